"""Slack stand-in methods for the workspace and messages: api.test, auth.test, team.info, chat.*."""

from __future__ import annotations

from typing import Any

from sandbox.slack.blockkit import MESSAGE_TEXT_MAX
from sandbox.slack.core import CallContext, StandInCore
from sandbox.slack.records import SlackError, Workspace
from sandbox.slack.shapes import message_content


class ChatMethods(StandInCore):
    """api.test, auth.test, team.info and chat.postMessage / postEphemeral / update / delete."""

    def _api_test(self, ctx: CallContext) -> dict[str, Any]:
        return {"args": ctx.args} if ctx.args else {}

    def _auth_test(self, ctx: CallContext) -> dict[str, Any]:
        ws = ctx.workspace
        return {
            "url": f"https://{ws.domain}.slack.com/",
            "team": ws.name,
            "user": ws.bot_name,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    def _team_info(self, ctx: CallContext) -> dict[str, Any]:
        team_id = str(ctx.args.get("team") or ctx.workspace.team_id)
        ws = self.workspaces.get(team_id)
        if ws is None:
            raise SlackError("team_not_found")
        return {
            "team": {
                "id": ws.team_id,
                "name": ws.name,
                "url": f"https://{ws.domain}.slack.com/",
                "domain": ws.domain,
                "email_domain": "example.com",
                "icon": {
                    "image_default": True,
                    "image_68": "https://a.slack-edge.com/img/avatars-teams/ava_0001-68.png",
                },
                "avatar_base_url": "https://ca.slack-edge.com/",
                "is_verified": False,
                **({"enterprise_id": ws.enterprise_id} if ws.enterprise_id else {}),
            }
        }

    def _chat_post_message(self, ctx: CallContext) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        channel = self._resolve_postable(ws, str(args.get("channel", "")))
        _require_content(args)
        message = self._new_message(ws, args)
        self._messages.setdefault((ws.team_id, channel.id), []).append(message)
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "message": dict(message),
        }

    def _chat_post_ephemeral(self, ctx: CallContext) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        channel = self._resolve_postable(ws, str(args.get("channel", "")))
        _require_content(args)
        user = self.users.get((ws.team_id, str(args.get("user", ""))))
        if user is None or user.deleted:
            raise SlackError("user_not_found")
        if channel.is_im and channel.user != user.id:
            raise SlackError("user_not_in_channel")
        return {"message_ts": self.next_ts()}

    def _chat_update(self, ctx: CallContext) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        _, message = self._find_message(ws, str(args.get("channel", "")), str(args.get("ts", "")))
        if message.get("bot_id") != ws.bot_id:
            raise SlackError("cant_update_message")
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            raise SlackError("no_text")
        message.update(message_content(args))
        return {
            "channel": args["channel"],
            "ts": message["ts"],
            "text": message["text"],
            "message": dict(message),
        }

    def _chat_delete(self, ctx: CallContext) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        items, message = self._find_message(
            ws, str(args.get("channel", "")), str(args.get("ts", ""))
        )
        if message.get("bot_id") != ws.bot_id:
            raise SlackError("cant_delete_message")
        items.remove(message)
        return {"channel": args["channel"], "ts": message["ts"]}

    def _find_message(
        self, ws: Workspace, channel_id: str, ts: str
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        if (ws.team_id, channel_id) not in self.channels:
            raise SlackError("channel_not_found")
        items = self._messages.get((ws.team_id, channel_id), [])
        message = next((m for m in items if m["ts"] == str(ts)), None)
        if message is None:
            raise SlackError("message_not_found")
        return items, message


def _require_content(args: dict[str, Any]) -> None:
    if not any(args.get(key) for key in ("text", "blocks", "attachments", "markdown_text")):
        raise SlackError("no_text")
    text = args.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        raise SlackError("msg_too_long")
