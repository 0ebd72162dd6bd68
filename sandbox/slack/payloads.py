"""Real-shaped Slack requests to an app: slash command forms, interaction payloads, events.

One implementation for the test harness (tests/harness) and the sandbox console: both send the
bot exactly what Slack would send, signed (sandbox.slack.signing) with the app's signing secret.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import quote, urlencode

from sandbox.slack.blockkit import interactive_elements
from sandbox.slack.payload_context import DEFAULT_CHANNEL_ID, PayloadContext
from sandbox.slack.view_state import build_state, element_state


def slash_form(
    *,
    token: str,
    team_id: str,
    team_domain: str,
    channel_id: str,
    channel_name: str,
    user_id: str,
    user_name: str,
    command: str,
    text: str,
    api_app_id: str,
    response_url: str,
    trigger_id: str,
    enterprise_id: str | None = None,
    enterprise_name: str | None = None,
    is_enterprise_install: bool = False,
) -> str:
    """The urlencoded body of a slash command, fields in the order Slack sends them."""
    fields: list[tuple[str, str]] = [
        ("token", token),
        ("team_id", team_id),
        ("team_domain", team_domain),
    ]
    if enterprise_id:
        fields.append(("enterprise_id", enterprise_id))
        fields.append(("enterprise_name", enterprise_name or ""))
    fields += [
        ("channel_id", channel_id),
        ("channel_name", channel_name),
        ("user_id", user_id),
        ("user_name", user_name),
        ("command", command),
        ("text", text),
        ("api_app_id", api_app_id),
        ("is_enterprise_install", "true" if is_enterprise_install else "false"),
        ("response_url", response_url),
        ("trigger_id", trigger_id),
    ]
    return urlencode(fields, quote_via=quote)


def payload_form(payload: dict[str, Any]) -> str:
    """The urlencoded `payload=<json>` body Slack posts for interactions."""
    return "payload=" + quote(json.dumps(payload, separators=(",", ":")), safe="")


class SlackRequests(PayloadContext):
    """Builds the bodies Slack sends one app, with ids, names and views from a stand-in if given."""

    def slash(
        self,
        text: str,
        user_id: str,
        team_id: str,
        channel_id: str = DEFAULT_CHANNEL_ID,
        command: str = "/vilt",
        trigger_id: str | None = None,
        *,
        channel_name: str | None = None,
        user_name: str | None = None,
        team_domain: str | None = None,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
        response_url: str | None = None,
    ) -> str:
        """The form body of a slash command (every field Slack sends)."""
        return slash_form(
            token=self.verification_token,
            team_id=team_id,
            team_domain=team_domain or self.domain(team_id),
            enterprise_id=enterprise_id,
            enterprise_name=enterprise_name,
            channel_id=channel_id,
            channel_name=channel_name or self.channel_name(team_id, channel_id),
            user_id=user_id,
            user_name=user_name or self.user_name(team_id, user_id),
            command=command,
            text=text,
            api_app_id=self.api_app_id,
            response_url=response_url or self.response_url(team_id, channel_id, None, user_id),
            trigger_id=trigger_id or self.trigger(team_id, user_id),
        )

    def block_actions(
        self,
        action_id: str,
        *,
        user_id: str,
        team_id: str,
        value: Any = None,
        block_id: str | None = None,
        action: dict[str, Any] | None = None,
        message: dict[str, Any] | None = None,
        channel_id: str | None = None,
        view: dict[str, Any] | None = None,
        is_ephemeral: bool = False,
        message_ts: str | None = None,
        trigger_id: str | None = None,
        state_values: dict[str, Any] | None = None,
        response_url: str | None = None,
    ) -> dict[str, Any]:
        """The block_actions payload for clicking / picking an element in a message or a view."""
        full_view = self.full_view(view, team_id, user_id) if view is not None else None
        blocks: list[Any] = list((full_view or message or {}).get("blocks") or [])
        element: dict[str, Any] = {"type": "button", "action_id": action_id}
        for block, candidate in interactive_elements(blocks):
            if candidate.get("action_id") == action_id and block_id in (
                None,
                block.get("block_id"),
            ):
                element, block_id = candidate, str(block.get("block_id"))
                break
        else:
            if blocks:
                raise ValueError(f"no element with action_id {action_id!r} in the given blocks")
        trigger_id = trigger_id or self.trigger(
            team_id, user_id, view_id=full_view["id"] if full_view else None
        )
        act: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id or "b",
            "action_ts": f"{time.time():.6f}",
        }
        if element.get("type") == "button":
            act.update(
                type="button", text=element.get("text", {"type": "plain_text", "text": "Button"})
            )
            button_value = value if value is not None else element.get("value")
            if button_value is not None:
                act["value"] = str(button_value)
            if element.get("style"):
                act["style"] = element["style"]
        else:
            act.update(element_state(element, value))
        act.update(action or {})
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self.user(team_id, user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id,
            "team": self.team(team_id),
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if full_view is not None:
            full_view["state"] = build_state(full_view["blocks"], state_values)
            payload["container"] = {"type": "view", "view_id": full_view["id"]}
            payload["view"] = full_view
        else:
            message = dict(message or {})
            stored_channel = message.pop("channel", None)
            channel = channel_id or stored_channel or DEFAULT_CHANNEL_ID
            ts = message_ts or message.get("ts") or f"{time.time():.6f}"
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": is_ephemeral,
            }
            payload["channel"] = {"id": channel, "name": self.channel_name(team_id, channel)}
            if not is_ephemeral:
                payload["message"] = message or {"type": "message", "ts": ts, "text": ""}
            payload["state"] = build_state(blocks, state_values)
            payload["response_url"] = response_url or self.response_url(
                team_id, channel, None if is_ephemeral else ts, user_id
            )
        payload["actions"] = [act]
        return payload

    def view_submission(
        self,
        view: dict[str, Any],
        state_values: dict[str, Any] | None = None,
        *,
        user_id: str,
        team_id: str,
        view_id: str | None = None,
        view_hash: str | None = None,
        trigger_id: str | None = None,
        response_urls: list[dict[str, Any]] | None = None,
        check_required: bool = True,
    ) -> dict[str, Any]:
        """The view_submission payload: `view` as sent to views.open (or as stored), plus inputs."""
        full_view = self.full_view(view, team_id, user_id, view_id=view_id)
        if view_hash:
            full_view["hash"] = view_hash
        full_view["state"] = build_state(
            full_view["blocks"], state_values, check_required=check_required
        )
        return {
            "type": "view_submission",
            "team": self.team(team_id),
            "user": self.user(team_id, user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or self.trigger(team_id, user_id, view_id=full_view["id"]),
            "view": full_view,
            "response_urls": response_urls or [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def block_suggestion(
        self,
        action_id: str,
        value: str,
        *,
        view: dict[str, Any],
        user_id: str,
        team_id: str,
        state_values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The block_suggestion payload an external_select in a view sends as the person types."""
        full_view = self.full_view(view, team_id, user_id)
        full_view["state"] = build_state(full_view["blocks"], state_values)
        block_id = next(
            (
                str(block.get("block_id"))
                for block, element in interactive_elements(full_view["blocks"])
                if element.get("action_id") == action_id
            ),
            None,
        )
        if block_id is None:
            raise ValueError(f"no element with action_id {action_id!r} in the view")
        return {
            "type": "block_suggestion",
            "user": self.user(team_id, user_id),
            "container": {"type": "view", "view_id": full_view["id"]},
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "team": self.team(team_id),
            "enterprise": None,
            "is_enterprise_install": False,
            "view": full_view,
        }

    def view_closed(
        self,
        view: dict[str, Any],
        *,
        user_id: str,
        team_id: str,
        is_cleared: bool = False,
        state_values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The view_closed payload Slack sends for a modal with notify_on_close."""
        full_view = self.full_view(view, team_id, user_id)
        full_view["state"] = build_state(full_view["blocks"], state_values)
        return {
            "type": "view_closed",
            "team": self.team(team_id),
            "user": self.user(team_id, user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "view": full_view,
            "is_cleared": is_cleared,
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def event_callback(
        self,
        event: dict[str, Any],
        team_id: str,
        *,
        event_id: str | None = None,
        event_time: int | None = None,
        bot_user_id: str | None = None,
    ) -> dict[str, Any]:
        """The Events API `event_callback` envelope around `event` (event_ts filled in)."""
        now = int(time.time()) if event_time is None else event_time
        event = {"event_ts": f"{time.time():.6f}", **event}
        bot_user = bot_user_id or self.bot_user_id(team_id)
        return {
            "token": self.verification_token,
            "team_id": team_id,
            "context_team_id": team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or "Ev0" + secrets.token_hex(5).upper(),
            "event_time": now,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": bot_user,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "authed_users": [bot_user],
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_urlsafe(24),
        }

    def app_home_opened(
        self, user_id: str, team_id: str, *, tab: str = "home", channel_id: str | None = None
    ) -> dict[str, Any]:
        """The app_home_opened event (with the currently published home view, as Slack does)."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": channel_id or "D0" + secrets.token_hex(5).upper()[:9],
            "tab": tab,
        }
        home = self.standin.home_view(user_id, team_id) if self.standin else None
        if home is not None and tab == "home":
            event["view"] = home
        return event
