"""What Slack's payloads say about their workspace: trigger_ids, response_urls, views, names."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from sandbox.slack.blockkit import with_generated_ids
from sandbox.slack.web_api import DEFAULT_APP_ID, SlackStandIn

DEFAULT_VERIFICATION_TOKEN = "gIkuvaNzQIHg97ATvDxqgjtO"
DEFAULT_CHANNEL_ID = "C0GENERAL1"
DEFAULT_BOT_USER_ID = "U0VILTBOT1"


class PayloadContext:
    """Ids, names and stored views for payloads, taken from a stand-in when there is one.

    With a served stand-in, trigger_ids are registered with it and response_urls point at it, so
    the bot's views.open and respond() land there as they would land at Slack.
    """

    def __init__(
        self,
        *,
        standin: SlackStandIn | None = None,
        standin_url: str | None = None,
        api_app_id: str = DEFAULT_APP_ID,
        verification_token: str = DEFAULT_VERIFICATION_TOKEN,
    ) -> None:
        self.standin = standin
        self.standin_url = standin_url
        self.api_app_id = api_app_id
        self.verification_token = verification_token
        self._counter = 0

    def trigger(self, team_id: str, user_id: str, *, view_id: str | None = None) -> str:
        """A fresh trigger_id, registered with the stand-in when there is one."""
        self._counter += 1
        trigger_id = f"{13345224609 + self._counter}.{738474920}.{secrets.token_hex(16)}"
        if self.standin is not None:
            self.standin.register_trigger(trigger_id, team_id, user_id, view_id=view_id)
        return trigger_id

    def response_url(
        self, team_id: str, channel_id: str | None, message_ts: str | None, user_id: str
    ) -> str:
        """A response_url: the served stand-in's, else one under standin_url or hooks.slack.com."""
        if self.standin is not None and self.standin.base_url is not None:
            return self.standin.new_response_url(
                team_id, channel_id=channel_id, message_ts=message_ts, user_id=user_id
            )
        self._counter += 1
        tail = f"{team_id}/{7_100_000_000 + self._counter}/{secrets.token_urlsafe(18)}"
        if self.standin_url is not None:
            return f"{self.standin_url.rstrip('/').removesuffix('/api')}/response_url/{tail}"
        return f"https://hooks.slack.com/commands/{tail}"

    def full_view(
        self, view: dict[str, Any], team_id: str, user_id: str, *, view_id: str | None = None
    ) -> dict[str, Any]:
        """The view as Slack would send it back: id, hash, block_ids... (from the stand-in if known)."""
        stored: dict[str, Any] | None = None
        if self.standin is not None:
            wanted = view_id or view.get("id")
            if wanted:
                stored = self.standin.view(str(wanted))
            else:
                candidates = [
                    v
                    for v in self.standin.views(team_id)
                    if v["callback_id"] == view.get("callback_id", "")
                    and v["type"] == view.get("type")
                ]
                mine = [v for v in candidates if self.standin.view_user(v["id"]) in (user_id, None)]
                stored = (mine or candidates)[-1] if (mine or candidates) else None
        if stored is not None:
            copied: dict[str, Any] = json.loads(json.dumps(stored))
            return copied
        full = {
            "id": view_id or view.get("id") or "V0" + secrets.token_hex(5).upper()[:9],
            "team_id": team_id,
            "type": view.get("type", "modal"),
            "blocks": with_generated_ids(list(view.get("blocks") or [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": view.get("hash") or f"{int(time.time())}.{secrets.token_urlsafe(6)[:8]}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": view.get("previous_view_id"),
            "root_view_id": view.get("root_view_id"),
            "app_id": self.api_app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": team_id,
            "bot_id": view.get("bot_id") or "B0" + secrets.token_hex(5).upper()[:9],
        }
        full["root_view_id"] = full["root_view_id"] or full["id"]
        return full

    def domain(self, team_id: str) -> str:
        """The workspace's domain (as in team_domain)."""
        workspace = self.standin.workspaces.get(team_id) if self.standin else None
        return workspace.domain if workspace else "example"

    def team(self, team_id: str) -> dict[str, Any]:
        """The `team` object of interaction payloads."""
        return {"id": team_id, "domain": self.domain(team_id)}

    def user_name(self, team_id: str, user_id: str) -> str:
        """The user's handle (as in user_name)."""
        user = self.standin.users.get((team_id, user_id)) if self.standin else None
        return user.name if user else user_id.lower()

    def user(self, team_id: str, user_id: str) -> dict[str, Any]:
        """The `user` object of interaction payloads."""
        name = self.user_name(team_id, user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": team_id}

    def channel_name(self, team_id: str, channel_id: str) -> str:
        """The channel's name as Slack sends it ("directmessage" for DMs)."""
        if channel_id.startswith("D"):
            return "directmessage"
        channel = self.standin.channels.get((team_id, channel_id)) if self.standin else None
        return channel.name if channel else "general"

    def bot_user_id(self, team_id: str) -> str:
        """The bot's user id in a workspace."""
        workspace = self.standin.workspaces.get(team_id) if self.standin else None
        return workspace.bot_user_id if workspace else DEFAULT_BOT_USER_ID
