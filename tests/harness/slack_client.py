"""Sends real-shaped, signed Slack requests (commands, interactions, events) to the bot over HTTP.

The bodies are built by sandbox.slack.payloads (shared with the sandbox console); this sender
adds what tests need: forged and stale signatures, the last payload, and ack checks.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl

import httpx

from sandbox.slack.blockkit import check_message_body, check_options_ack, check_view_ack
from sandbox.slack.payload_context import (
    DEFAULT_BOT_USER_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_VERIFICATION_TOKEN,
)
from sandbox.slack.payloads import SlackRequests, payload_form, slash_form
from sandbox.slack.signing import FORM_CONTENT_TYPE, post_signed
from sandbox.slack.view_state import build_state, element_state
from sandbox.slack.web_api import DEFAULT_APP_ID, SlackStandIn

__all__ = [
    "DEFAULT_BOT_USER_ID",
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_VERIFICATION_TOKEN",
    "STALE_SECONDS",
    "SlackSender",
    "build_state",
    "element_state",
    "payload_form",
    "slash_form",
]

STALE_SECONDS = 6 * 60


class SlackSender:
    """Signs and POSTs Slack-shaped requests to the bot's `/slack/events` endpoint."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        client: httpx.AsyncClient | None = None,
        *,
        standin: SlackStandIn | None = None,
        standin_url: str | None = None,
        path: str = "/slack/events",
        api_app_id: str = DEFAULT_APP_ID,
        verification_token: str = DEFAULT_VERIFICATION_TOKEN,
        ack_timeout: float | None = 3.0,
    ) -> None:
        self.url = base_url.rstrip("/") + path
        self.signing_secret = signing_secret
        self.client = client or httpx.AsyncClient(timeout=30.0)
        self._owns_client = client is None
        self.standin = standin
        self.requests = SlackRequests(
            standin=standin,
            standin_url=standin_url,
            api_app_id=api_app_id,
            verification_token=verification_token,
        )
        self.ack_timeout = ack_timeout
        self.violations: list[str] = []
        self.last_payload: dict[str, Any] | None = None
        self.last_body: str = ""

    async def __aenter__(self) -> SlackSender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if the sender created it."""
        if self._owns_client:
            await self.client.aclose()

    # ------------------------------------------------------------------ requests

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        forge: bool = False,
        stale: bool = False,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a raw body, signed (with a wrong secret if `forge`, 6 minutes old if `stale`)."""
        ts = timestamp if timestamp is not None else int(time.time())
        if stale:
            ts -= STALE_SECONDS
        secret = self.signing_secret + "-forged" if forge else self.signing_secret
        self.last_body = body
        return await post_signed(
            self.client, self.url, secret, body, content_type, timestamp=ts, headers=headers
        )

    async def slash(
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
        forge: bool = False,
        stale: bool = False,
    ) -> httpx.Response:
        """Send a slash command (form body with every field Slack sends)."""
        body = self.requests.slash(
            text,
            user_id,
            team_id,
            channel_id,
            command,
            trigger_id,
            channel_name=channel_name,
            user_name=user_name,
            team_domain=team_domain,
            enterprise_id=enterprise_id,
            enterprise_name=enterprise_name,
            response_url=response_url,
        )
        self.last_payload = dict(parse_qsl(body, keep_blank_values=True))
        return await self._send("slash command", body, FORM_CONTENT_TYPE, forge=forge, stale=stale)

    async def block_action(
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
        forge: bool = False,
        stale: bool = False,
    ) -> httpx.Response:
        """Click / pick an element in a message (`message`, as stored or posted) or a view (`view`)."""
        payload = self.requests.block_actions(
            action_id,
            user_id=user_id,
            team_id=team_id,
            value=value,
            block_id=block_id,
            action=action,
            message=message,
            channel_id=channel_id,
            view=view,
            is_ephemeral=is_ephemeral,
            message_ts=message_ts,
            trigger_id=trigger_id,
            state_values=state_values,
        )
        self.last_payload = payload
        return await self._send(
            "block_actions",
            payload_form(payload),
            FORM_CONTENT_TYPE,
            forge=forge,
            stale=stale,
            expect_body=False,
        )

    async def view_submission(
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
        forge: bool = False,
        stale: bool = False,
    ) -> httpx.Response:
        """Submit a modal: `view` as the bot sent it to views.open (or as stored), plus input values."""
        payload = self.requests.view_submission(
            view,
            state_values,
            user_id=user_id,
            team_id=team_id,
            view_id=view_id,
            view_hash=view_hash,
            trigger_id=trigger_id,
            response_urls=response_urls,
            check_required=check_required,
        )
        self.last_payload = payload
        return await self._send(
            "view_submission",
            payload_form(payload),
            FORM_CONTENT_TYPE,
            forge=forge,
            stale=stale,
            view=payload["view"],
        )

    async def block_suggestion(
        self,
        action_id: str,
        value: str,
        *,
        view: dict[str, Any],
        user_id: str,
        team_id: str,
        state_values: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """Type `value` into an external_select of an open view: Slack asks the app for options."""
        payload = self.requests.block_suggestion(
            action_id,
            value,
            view=view,
            user_id=user_id,
            team_id=team_id,
            state_values=state_values,
        )
        self.last_payload = payload
        return await self._send(
            "block_suggestion", payload_form(payload), FORM_CONTENT_TYPE, forge=False, stale=False
        )

    async def view_closed(
        self, view: dict[str, Any], *, user_id: str, team_id: str, is_cleared: bool = False
    ) -> httpx.Response:
        """Close a modal that has notify_on_close set."""
        payload = self.requests.view_closed(
            view, user_id=user_id, team_id=team_id, is_cleared=is_cleared
        )
        self.last_payload = payload
        return await self.post(payload_form(payload), FORM_CONTENT_TYPE)

    async def event(
        self,
        event: dict[str, Any],
        team_id: str,
        *,
        event_id: str | None = None,
        event_time: int | None = None,
        bot_user_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        forge: bool = False,
        stale: bool = False,
    ) -> httpx.Response:
        """Send an Events API `event_callback` envelope around `event` (event_ts filled in).

        `retry_num` sends it as Slack's retry of an event (X-Slack-Retry-Num / -Reason headers);
        pass the same `event_id` as the first delivery to test de-duplication.
        """
        envelope = self.requests.event_callback(
            event, team_id, event_id=event_id, event_time=event_time, bot_user_id=bot_user_id
        )
        self.last_payload = envelope
        retry = (
            {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
            if retry_num is not None
            else None
        )
        return await self._send(
            f"event {envelope['event'].get('type')}",
            json.dumps(envelope, separators=(",", ":")),
            "application/json",
            forge=forge,
            stale=stale,
            headers=retry,
            expect_body=False,
        )

    async def app_home_opened(
        self,
        user_id: str,
        team_id: str,
        *,
        tab: str = "home",
        channel_id: str | None = None,
        forge: bool = False,
        stale: bool = False,
    ) -> httpx.Response:
        """Send app_home_opened (with the currently published home view, as Slack does)."""
        event = self.requests.app_home_opened(user_id, team_id, tab=tab, channel_id=channel_id)
        return await self.event(event, team_id, forge=forge, stale=stale)

    async def url_verification(
        self, challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    ) -> httpx.Response:
        """Send the url_verification handshake Slack sends when the Request URL is saved."""
        body = json.dumps(
            {
                "token": self.requests.verification_token,
                "challenge": challenge,
                "type": "url_verification",
            }
        )
        return await self.post(body, "application/json")

    # ------------------------------------------------------------------ helpers

    async def _send(
        self,
        what: str,
        body: str,
        content_type: str,
        *,
        forge: bool,
        stale: bool,
        headers: dict[str, str] | None = None,
        expect_body: bool = True,
        view: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """POST as Slack does and, unless forged or stale, hold the ack to Slack's rules."""
        started = time.monotonic()
        response = await self.post(body, content_type, forge=forge, stale=stale, headers=headers)
        if not (forge or stale):
            self._check_ack(what, response, started, expect_body=expect_body, view=view)
        return response

    def _check_ack(
        self,
        what: str,
        response: httpx.Response,
        started: float,
        *,
        expect_body: bool = True,
        view: dict[str, Any] | None = None,
    ) -> None:
        problems: list[str] = []
        elapsed = time.monotonic() - started
        if self.ack_timeout is not None and elapsed > self.ack_timeout:
            problems.append(
                f"ack({what}): took {elapsed:.2f}s; Slack gives up after {self.ack_timeout:g}s"
            )
        is_json = response.headers.get("content-type", "").startswith("application/json")
        if response.status_code == 200 and response.content and is_json and expect_body:
            try:
                body = response.json()
            except ValueError:
                body = None
            if what == "view_submission":
                problems.extend(check_view_ack(body, view))
            elif what == "block_suggestion":
                problems.extend(check_options_ack(body))
            elif body:
                problems.extend(check_message_body(body, where=f"ack({what})"))
        self.violations.extend(problems)
        if self.standin is not None:
            self.standin.violations.extend(problems)
