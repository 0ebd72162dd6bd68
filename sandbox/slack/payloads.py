"""Real-shaped, signed Slack requests to an app: signing, form bodies, interaction payloads.

One implementation for the test harness (tests/harness) and the sandbox console: both send the
bot exactly what Slack would send, signed with the app's signing secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from sandbox.slack.blockkit import interactive_elements, with_generated_ids
from sandbox.slack.web_api import DEFAULT_APP_ID, SlackStandIn

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
DEFAULT_VERIFICATION_TOKEN = "gIkuvaNzQIHg97ATvDxqgjtO"
DEFAULT_CHANNEL_ID = "C0GENERAL1"
DEFAULT_BOT_USER_ID = "U0VILTBOT1"

# Element type -> the state key Slack fills in (view.state.values / block_actions actions[]).
_VALUE_KEYS: dict[str, str] = {
    "plain_text_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "number_input": "value",
    "rich_text_input": "rich_text_value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "overflow": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "file_input": "files",
}
# State key -> the element attribute holding its initial value.
_INITIAL_KEYS: dict[str, tuple[str, ...]] = {
    "value": ("initial_value",),
    "rich_text_value": ("initial_value",),
    "selected_option": ("initial_option",),
    "selected_options": ("initial_options",),
    "selected_user": ("initial_user",),
    "selected_users": ("initial_users",),
    "selected_conversation": ("initial_conversation",),
    "selected_conversations": ("initial_conversations",),
    "selected_channel": ("initial_channel",),
    "selected_channels": ("initial_channels",),
    "selected_date": ("initial_date",),
    "selected_time": ("initial_time",),
    "selected_date_time": ("initial_date_time",),
}
_LIST_KEYS = frozenset(
    {
        "selected_options",
        "selected_users",
        "selected_conversations",
        "selected_channels",
        "files",
    }
)


# ---------------------------------------------------------------------- signing


def signature(signing_secret: str, body: bytes | str, timestamp: int) -> str:
    """v0=hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}"))."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + raw
    digest = hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def sign(signing_secret: str, body: bytes | str, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Slack adds to a request: timestamp (now by default) and signature."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: signature(signing_secret, body, ts),
    }


async def post_signed(
    client: httpx.AsyncClient,
    url: str,
    signing_secret: str,
    body: str,
    content_type: str = FORM_CONTENT_TYPE,
    *,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST `body` to the app the way Slack does: Content-Type plus the signature headers."""
    sent = {
        "Content-Type": content_type,
        **sign(signing_secret, body, timestamp),
        **(headers or {}),
    }
    return await client.post(url, content=body.encode("utf-8"), headers=sent)


# ---------------------------------------------------------------------- bodies and state


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


def element_state(element: dict[str, Any], value: Any = None) -> dict[str, Any]:
    """The state entry Slack reports for an element: `value` given, else its initial value."""
    kind = str(element.get("type", ""))
    key = _VALUE_KEYS.get(kind)
    entry: dict[str, Any] = {"type": kind}
    if key is None:
        if value is not None:
            entry["value"] = value
        return entry
    if value is None:
        initial = next((element[k] for k in _INITIAL_KEYS.get(key, ()) if k in element), None)
        entry[key] = initial if initial is not None else ([] if key in _LIST_KEYS else None)
    elif key == "selected_option":
        entry[key] = value if isinstance(value, dict) else _option(element, str(value))
    elif key == "selected_options":
        values = value if isinstance(value, list) else [value]
        entry[key] = [v if isinstance(v, dict) else _option(element, str(v)) for v in values]
    elif key in _LIST_KEYS:
        entry[key] = list(value) if isinstance(value, list | tuple) else [value]
    elif key == "value":
        entry[key] = str(value)
    else:
        entry[key] = value
    if kind == "timepicker" and element.get("timezone"):
        entry["timezone"] = element["timezone"]
    return entry


def empty_state(element: dict[str, Any]) -> dict[str, Any]:
    """The state entry of an element the person left empty (or cleared)."""
    kind = str(element.get("type", ""))
    key = _VALUE_KEYS.get(kind)
    entry: dict[str, Any] = {"type": kind}
    if key is not None:
        entry[key] = [] if key in _LIST_KEYS else None
    return entry


def state_key(element: dict[str, Any]) -> str | None:
    """Which key of a state entry holds the element's value ("value", "selected_option"...)."""
    return _VALUE_KEYS.get(str(element.get("type", "")))


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option.get("value") == value:
            return dict(option)
    if element.get("type") in {"external_select", "multi_external_select"}:
        return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}
    raise ValueError(f"{element.get('action_id')!r} has no option with value {value!r}")


def build_state(
    blocks: list[Any], state_values: dict[str, Any] | None = None, *, check_required: bool = False
) -> dict[str, Any]:
    """view.state as Slack builds it: every stateful element, initial values, then `state_values`.

    `state_values` maps block_id -> {action_id: value}, or block_id -> value (one-element
    blocks), or action_id -> value. A value that is a dict with a "type" is used as the state
    entry as is; anything else is shaped per element type (option values become options...).
    """
    values: dict[str, dict[str, Any]] = {}
    by_action: dict[str, str] = {}  # action_id -> block_id
    elements: dict[tuple[str, str], dict[str, Any]] = {}
    input_blocks: dict[str, dict[str, Any]] = {}
    for block, element in interactive_elements(blocks):
        kind = element.get("type")
        if block.get("type") != "input" and kind in {"button", "overflow", "workflow_button"}:
            continue
        block_id = str(block.get("block_id"))
        action_id = str(element["action_id"])
        values.setdefault(block_id, {})[action_id] = element_state(element)
        by_action.setdefault(action_id, block_id)
        elements[(block_id, action_id)] = element
        if block.get("type") == "input":
            input_blocks[block_id] = block
    for key, given in (state_values or {}).items():
        if key in values:
            actions = values[key]
            if isinstance(given, dict) and given and set(given) <= set(actions):
                pairs = [(key, action_id, v) for action_id, v in given.items()]
            elif len(actions) == 1:
                pairs = [(key, next(iter(actions)), given)]
            else:
                raise ValueError(f"block {key!r} has several elements: pass {{action_id: value}}")
        elif key in by_action:
            pairs = [(by_action[key], key, given)]
        else:
            raise ValueError(f"no block_id or action_id {key!r} with an input element in the view")
        for block_id, action_id, value in pairs:
            element = elements[(block_id, action_id)]
            is_raw = isinstance(value, dict) and "type" in value
            values[block_id][action_id] = value if is_raw else element_state(element, value)
    if check_required:
        for block_id, block in input_blocks.items():
            if block.get("optional"):
                continue
            for entry in values.get(block_id, {}).values():
                filled = [v for k, v in entry.items() if k != "type" and v not in (None, [], "")]
                if not filled:
                    raise ValueError(
                        f"Slack would not submit: required input {block_id!r} is empty "
                        "(pass it in state_values or use check_required=False)"
                    )
    return {"values": values}


# ---------------------------------------------------------------------- payloads


class SlackRequests:
    """Builds the bodies Slack sends one app, with ids, names and views from a stand-in if given.

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

    # ------------------------------------------------------------------ ids

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

    # ------------------------------------------------------------------ bodies

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

    # ------------------------------------------------------------------ shapes

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
