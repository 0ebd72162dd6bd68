"""The console's state for one sandbox runtime: open modals, notes, and talking to the bot."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from bot.bootstrap import Runtime
from sandbox.console.feed import Feed
from sandbox.console.fields import Draft
from sandbox.console.html_filters import css_color, mrkdwn_html, plain_text, safe_url
from sandbox.console.replies import ack_failure, json_body
from sandbox.console.slack_dates import format_date
from sandbox.console.store import FeedStore
from sandbox.console.workspace import Person, label, seed_sandbox
from sandbox.ids import SANDBOX_TEAM
from sandbox.slack.blockkit import check_message_body
from sandbox.slack.payloads import SlackRequests
from sandbox.slack.signing import FORM_CONTENT_TYPE, post_signed
from sandbox.slack.web_api import RecordedCall, SlackStandIn

TEMPLATES = Path(__file__).resolve().parent / "templates"
COMMAND = "/vilt"
ACK_SECONDS = 3.0  # Slack gives up on an app that has not answered within 3 s
SETTLE_SECONDS = 2.0  # how long an action waits for the bot's answer before re-rendering
QUIET_SECONDS = 0.3  # ...and for follow-up calls once the answer came


class ConsoleCore:
    """The Slack stand-in the console drives, what it remembers per person, and its delivery."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        settings = runtime.settings
        # Block Kit checks only: the Web API spec is not shipped with the bot.
        self.standin = SlackStandIn()
        self.standin.base_url = settings.slack_api_url
        seed_sandbox(self.standin)
        self.requests = SlackRequests(standin=self.standin)
        self.feed = Feed(self.standin)
        self.events_url = settings.public_url + "/slack/events"
        secret = settings.slack_signing_secret
        self._signing_secret = secret.get_secret_value() if secret else ""
        self._closed: set[str] = set()
        self._client: httpx.AsyncClient | None = None
        self._drafts: dict[str, dict[tuple[str, str], Draft]] = {}
        self._errors: dict[str, dict[str, str]] = {}
        self._suggestions: dict[str, dict[tuple[str, str], list[Any]]] = {}
        self._notes: dict[str, list[str]] = {}
        self._revision = 0
        self._env = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
        )
        self._env.filters["mrkdwn"] = self.mrkdwn
        self._env.filters["plain"] = plain_text
        self._env.filters["safe_url"] = safe_url
        self._env.filters["css_color"] = css_color
        self._env.filters["clock"] = self.clock_time
        # What the console shows is kept with the sandbox's data: a restart shows it again.
        self.store = FeedStore(
            runtime, self.standin, self.feed, self._closed, lambda: self._revision
        )
        self.store.restore()
        # Tests and tools reach the console (and its stand-in) through the runtime.
        runtime.extras["sandbox_console"] = self

    @pass_context
    def mrkdwn(self, context: Context, text: Any) -> Markup:
        """Slack mrkdwn as HTML: *bold*, _italic_, ~strike~, `code`, mentions as names, links,
        and dates in the time zone of the person the page is for."""
        person = context.get("person")
        zone = self._zone(person.id if isinstance(person, Person) else None)

        # "today" and "tomorrow" as of the bot's clock, which the GoTo panel moves forward.
        now = self.runtime.clock()

        def date_text(stamp: int, tokens: str) -> str | None:
            return format_date(stamp, tokens, zone, now)

        return mrkdwn_html(str(text or ""), lambda raw: label(self.standin, raw), date_text)

    @pass_context
    def clock_time(self, context: Context, stamp: float) -> str:
        """When a message was posted, as Slack writes it beside the author: "9:41 AM", in the
        time zone of the person the page is for."""
        person = context.get("person")
        zone = self._zone(person.id if isinstance(person, Person) else None)
        moment = datetime.fromtimestamp(stamp, tz=zone)
        return f"{moment:%I:%M %p}".lstrip("0")

    def _zone(self, user_id: str | None) -> ZoneInfo:
        """The person's time zone from their Slack profile (UTC when unknown)."""
        user = self.standin.users.get((SANDBOX_TEAM, user_id or ""))
        try:
            return ZoneInfo(user.tz if user is not None and user.tz else "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def _open_views(self, user_id: str) -> list[dict[str, Any]]:
        """The person's modals the console has not seen closed, oldest first."""
        return [
            v
            for v in self.standin.views(SANDBOX_TEAM)
            if v["type"] == "modal"
            and self.standin.view_user(v["id"]) == user_id
            and v["id"] not in self._closed
        ]

    def _stack(self, user_id: str) -> list[dict[str, Any]]:
        """The person's open modal stack (root first), or []."""
        mine = self._open_views(user_id)
        if not mine:
            return []
        root = mine[-1]["root_view_id"]
        return [v for v in mine if v["root_view_id"] == root]

    def _close_replaced_modals(self, user_id: str) -> None:
        # views.open replaces whatever modal the person had open, as in Slack.
        stack = self._stack(user_id)
        if not stack:
            return
        root = stack[-1]["root_view_id"]
        for view in self._open_views(user_id):
            if view["root_view_id"] != root:
                self._forget(view["id"])

    def open_modal(self, user_id: str) -> dict[str, Any] | None:
        """The modal the person has open (the top of their stack), if any."""
        stack = self._stack(user_id)
        return stack[-1] if stack else None

    def _modal_id(self, user_id: str) -> str | None:
        modal = self.open_modal(user_id)
        return str(modal["id"]) if modal else None

    def _forget(self, view_id: str) -> None:
        self._closed.add(view_id)
        # What was typed (a consumer secret, say) does not outlive the modal.
        self._drafts.pop(view_id, None)
        self._errors.pop(view_id, None)
        self._suggestions.pop(view_id, None)
        self._revision += 1

    async def _open_home(self, person: Person) -> None:
        """Tell the bot this person is looking at its Home tab, as Slack does on every visit."""
        before = len(self.standin.calls)
        event = self.requests.app_home_opened(person.id, SANDBOX_TEAM)
        envelope = self.requests.event_callback(event, SANDBOX_TEAM)
        await self._send(json.dumps(envelope), content_type="application/json")
        await self._settle(before, lambda c: c.method == "views.publish", first=1.0)

    async def _send(self, body: str, *, content_type: str = FORM_CONTENT_TYPE) -> httpx.Response:
        """POST a signed body to the app's /slack/events, as Slack does (3 s to answer)."""
        if self._client is None:
            # One client for every request: building one (and its TLS context) takes longer
            # than the bot takes to answer.
            self._client = httpx.AsyncClient(timeout=ACK_SECONDS + 7)
            self.runtime.closers.append(self._client.aclose)
        started = time.monotonic()
        try:
            response = await post_signed(
                self._client, self.events_url, self._signing_secret, body, content_type
            )
        except httpx.HTTPError as exc:
            return httpx.Response(599, text=type(exc).__name__)
        if time.monotonic() - started > ACK_SECONDS:
            return httpx.Response(598, text="operation_timeout")
        return response

    def _record_ack(self, user_id: str, channel_id: str, response: httpx.Response) -> None:
        problem = ack_failure(response)
        if problem:
            body: dict[str, Any] = {"text": f'{COMMAND} failed with the error "{problem}"'}
            self._add_ack(user_id, channel_id, body, "Slackbot")
            return
        answer = json_body(response)
        if isinstance(answer, dict) and answer:
            problems = check_message_body(answer, where="ack")
            if problems:
                answer = {"text": "Slack would refuse viltbot's answer: " + "; ".join(problems)}
                self._add_ack(user_id, channel_id, answer, "Slackbot")
            else:
                self._add_ack(user_id, channel_id, answer, "viltbot")
        elif isinstance(answer, str) and answer.strip():
            self._add_ack(user_id, channel_id, {"text": answer}, "viltbot")

    def _add_ack(self, user_id: str, channel_id: str, body: dict[str, Any], author: str) -> None:
        self.feed.add_ack(user_id, channel_id, body, author)
        self._revision += 1

    async def _settle(
        self,
        before: int,
        answered: Callable[[RecordedCall], bool],
        *,
        first: float | None = None,
    ) -> None:
        """Wait until the bot answered (or `first` s passed), then until its calls stop."""
        started = time.monotonic()
        wait_first = SETTLE_SECONDS if first is None else first
        while not any(answered(c) for c in self.standin.calls[before:]):
            if time.monotonic() - started >= wait_first:
                return
            await asyncio.sleep(0.02)
        count, quiet_since = len(self.standin.calls), time.monotonic()
        while time.monotonic() - started < SETTLE_SECONDS + QUIET_SECONDS:
            await asyncio.sleep(0.02)
            if len(self.standin.calls) != count:
                count, quiet_since = len(self.standin.calls), time.monotonic()
            elif time.monotonic() - quiet_since >= QUIET_SECONDS:
                return

    def _note(self, user_id: str, text: str) -> None:
        self._notes.setdefault(user_id, []).append(text)
        self._revision += 1

    def _reply_shown(self, user_id: str, since: float) -> str | None:
        """The HTML id of the private reply that came since `since` (the page scrolls to it)."""
        reply = self.feed.newest_reply(user_id, since)
        return f"msg-{reply.ref}" if reply else None

    def _back(
        self, person: Person, channel: str, note: str | None = None, *, focus: str | None = None
    ) -> Response:
        """Back to the page, scrolled to `focus` (an HTML id: a field acted on, a reply)."""
        if note:
            self._note(person.id, note)
        query = urlencode({"user": person.id, "channel": channel})
        fragment = f"#{focus}" if focus else ""
        return RedirectResponse(f"/sandbox?{query}{fragment}", status_code=303)
