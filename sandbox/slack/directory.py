"""Slack stand-in methods for conversations and users: conversations.info / join / open, users.*."""

from __future__ import annotations

from typing import Any

from sandbox.slack.core import CallContext, StandInCore
from sandbox.slack.records import Channel, SlackError, User
from sandbox.slack.shapes import channel_json, user_json


class DirectoryMethods(StandInCore):
    """Channels the bot can see or join, DMs it opens, and the workspace's user directory."""

    def _conversations_info(self, ctx: CallContext) -> dict[str, Any]:
        ws = ctx.workspace
        channel = self.channels.get((ws.team_id, str(ctx.args.get("channel", ""))))
        if channel is None or (channel.is_private and not channel.is_member):
            raise SlackError("channel_not_found")
        wants_count = _truthy(ctx.args.get("include_num_members"))
        return {"channel": self._channel_json(channel, num_members=wants_count)}

    def _conversations_join(self, ctx: CallContext) -> dict[str, Any]:
        ws = ctx.workspace
        channel = self.channels.get((ws.team_id, str(ctx.args.get("channel", ""))))
        if channel is None or (channel.is_private and not channel.is_member):
            raise SlackError("channel_not_found")
        if channel.is_im or channel.is_private:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackError("is_archived")
        if "channels:join" not in ws.scopes:
            raise SlackError("missing_scope", needed="channels:join", provided=",".join(ws.scopes))
        if channel.is_member:
            return {
                "channel": self._channel_json(channel),
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
        channel.is_member = True
        return {"channel": self._channel_json(channel)}

    def _conversations_open(self, ctx: CallContext) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        if args.get("channel"):
            channel = self.channels.get((ws.team_id, str(args["channel"])))
            if channel is None or not channel.is_im:
                raise SlackError("channel_not_found")
            return {"channel": self._channel_json(channel), "no_op": True, "already_open": True}
        user_ids = [u.strip() for u in str(args.get("users", "")).split(",") if u.strip()]
        if not user_ids:
            raise SlackError("users_list_not_supplied")
        if len(user_ids) > 1:
            raise SlackError("not_implemented_in_standin", detail="group DMs are not simulated")
        user = self.users.get((ws.team_id, user_ids[0]))
        if user is None or user.deleted:
            raise SlackError("user_not_found")
        if user.is_bot:
            raise SlackError("cannot_dm_bot")
        existed = any(
            c.is_im and c.user == user.id and c.team_id == ws.team_id
            for c in self.channels.values()
        )
        channel = self._dm_for(ws, user.id)
        body: dict[str, Any] = {
            "channel": self._channel_json(channel)
            if _truthy(args.get("return_im"))
            else {"id": channel.id}
        }
        if existed:
            body.update(no_op=True, already_open=True)
        return body

    def _users_info(self, ctx: CallContext) -> dict[str, Any]:
        user = self.users.get((ctx.workspace.team_id, str(ctx.args.get("user", ""))))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": self._user_json(user)}

    def _conversations_members(self, ctx: CallContext) -> dict[str, Any]:
        """Members of a channel the bot can see, in pages (`limit`, `cursor`)."""
        ws = ctx.workspace
        channel = self.channels.get((ws.team_id, str(ctx.args.get("channel", ""))))
        if channel is None or (channel.is_private and not channel.is_member):
            raise SlackError("channel_not_found")
        start, size = _page(ctx.args)
        members = channel.members[start : start + size]
        more = start + size < len(channel.members)
        return {
            "members": members,
            "response_metadata": {"next_cursor": _cursor(start + size) if more else ""},
        }

    def _users_list(self, ctx: CallContext) -> dict[str, Any]:
        """The workspace's users with their profiles, in pages (`limit`, `cursor`)."""
        people = [u for u in self.users.values() if u.team_id == ctx.workspace.team_id]
        start, size = _page(ctx.args)
        more = start + size < len(people)
        return {
            "members": [self._user_json(u) for u in people[start : start + size]],
            "cache_ts": 1_700_000_000,
            "response_metadata": {"next_cursor": _cursor(start + size) if more else ""},
        }

    def _users_lookup_by_email(self, ctx: CallContext) -> dict[str, Any]:
        email = str(ctx.args.get("email", "")).lower()
        for user in self.users.values():
            if user.team_id == ctx.workspace.team_id and (user.email or "").lower() == email:
                return {"user": self._user_json(user)}
        raise SlackError("users_not_found")

    def _channel_json(self, channel: Channel, *, num_members: bool = False) -> dict[str, Any]:
        workspace = self.workspaces.get(channel.team_id)
        people = [u for u in self.users.values() if u.team_id == channel.team_id]
        creator = next(
            (u.id for u in people if not u.is_bot), workspace.bot_user_id if workspace else ""
        )
        count = sum(1 for u in people if not u.deleted) if num_members else None
        return channel_json(channel, creator=creator, num_members=count)

    def _user_json(self, user: User) -> dict[str, Any]:
        return user_json(user, self.workspaces.get(user.team_id))


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"1", "true"}


def _page(args: dict[str, Any]) -> tuple[int, int]:
    """Where a page starts and how long it is, from Slack's `cursor` and `limit` (max 1000)."""
    raw = str(args.get("cursor") or "")
    start = 0
    if raw:
        if not raw.startswith("next:") or not raw[5:].isdigit():
            raise SlackError("invalid_cursor")
        start = int(raw[5:])
    try:
        size = int(args.get("limit") or 100)
    except ValueError:
        raise SlackError("invalid_limit") from None
    return start, max(1, min(size, 1000))


def _cursor(position: int) -> str:
    return f"next:{position}"
