"""The try-it console at /sandbox: act as a seeded Slack user and see what viltbot answers.

The console plays Slack's client and Slack's servers for one workspace: it signs real-shaped
slash commands, block_actions and view_submission payloads with the app's signing secret and
POSTs them to the app's own `/slack/events` over HTTP; the bot answers through the Slack stand-in
(mounted at /slack-sandbox), and the page shows what the stand-in recorded.

This module holds the routes and what Slack does around them; the workspace it acts in, the
form fields, the feed and the HTML filters live in the modules beside it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.bootstrap import Runtime
from sandbox.console.feed import Feed, as_list
from sandbox.console.fields import Draft, Fields, acted, field_pair, form_text, read_fields
from sandbox.console.html_filters import css_color, mrkdwn_html, plain_text, safe_url
from sandbox.console.workspace import (
    GENERAL,
    PEOPLE,
    WORKSPACE_NAME,
    Person,
    channels,
    label,
    person_for,
    seed_sandbox,
    slack_escape,
)
from sandbox.mode import SANDBOX_BOT_USER, SANDBOX_TEAM
from sandbox.slack.blockkit import check_message_body, check_view_ack
from sandbox.slack.payloads import SlackRequests, payload_form
from sandbox.slack.signing import FORM_CONTENT_TYPE, post_signed
from sandbox.slack.web_api import RESPONSE_URL, RecordedCall, SlackStandIn

TEMPLATES = Path(__file__).resolve().parent / "templates"
COMMAND = "/vilt"
ACK_SECONDS = 3.0  # Slack gives up on an app that has not answered within 3 s
SETTLE_SECONDS = 2.0  # how long an action waits for the bot's answer before re-rendering
QUIET_SECONDS = 0.3  # ...and for follow-up calls once the answer came

FormHandler = Callable[[FormData, Person, str], Awaitable[Response]]


class SandboxConsole:
    """The /sandbox page and the Slack stand-in it drives for one sandbox runtime."""

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
        self._drafts: dict[str, dict[tuple[str, str], Draft]] = {}
        self._errors: dict[str, dict[str, str]] = {}
        self._notes: dict[str, list[str]] = {}
        self._revision = 0
        self._env = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
        )
        self._env.filters["mrkdwn"] = self.mrkdwn
        self._env.filters["plain"] = plain_text
        self._env.filters["safe_url"] = safe_url
        self._env.filters["css_color"] = css_color
        # Tests and tools reach the console (and its stand-in) through the runtime.
        runtime.extras["sandbox_console"] = self

    def routes(self) -> list[BaseRoute]:
        """The console's pages and form endpoints, all under /sandbox."""
        return [
            Route("/sandbox", self.page, methods=["GET"]),
            Route("/sandbox/version", self.version, methods=["GET"]),
            Route("/sandbox/command", self._form_post(self.command), methods=["POST"]),
            Route("/sandbox/action", self._form_post(self.action), methods=["POST"]),
            Route("/sandbox/view/submit", self._form_post(self.submit), methods=["POST"]),
            Route("/sandbox/view/close", self._form_post(self.close), methods=["POST"]),
        ]

    def _form_post(self, handle: FormHandler) -> Callable[[Request], Awaitable[Response]]:
        """An endpoint for the page's own form posts: `handle` as the chosen person and channel."""

        async def endpoint(request: Request) -> Response:
            form = await request.form()
            if not _same_origin(request):
                return Response("cross-site request refused", status_code=403)
            person = person_for(form_text(form, "user"))
            return await handle(form, person, self._channel(form_text(form, "channel")))

        return endpoint

    def mrkdwn(self, text: Any) -> Markup:
        """Slack mrkdwn as HTML: *bold*, _italic_, ~strike~, `code`, mentions as names, links."""
        return mrkdwn_html(str(text or ""), lambda raw: label(self.standin, raw))

    # ------------------------------------------------------------------ pages

    async def page(self, request: Request) -> Response:
        """The console: who you are, the command box, the feed, the open modal."""
        person = person_for(request.query_params.get("user"))
        channel = self._channel(request.query_params.get("channel"))
        partial = request.query_params.get("partial") == "1"
        # Notes are shown once, by a full page load (not by the background refresh).
        notes = [] if partial else self._notes.pop(person.id, [])
        if not partial:
            await self._open_home(person)
        nonce = secrets.token_urlsafe(16)
        html_text = self._render(person, channel, notes, nonce)
        return Response(
            html_text,
            media_type="text/html; charset=utf-8",
            headers={
                "Cache-Control": "no-store",
                "Content-Security-Policy": (
                    f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
                    "connect-src 'self'; form-action 'self'; img-src 'self' data:; "
                    "base-uri 'none'; frame-ancestors 'none'"
                ),
                "Referrer-Policy": "same-origin",
            },
        )

    async def version(self, request: Request) -> Response:
        """Changes when anything on the page may have changed (the page polls it)."""
        return JSONResponse({"version": self._version()}, headers={"Cache-Control": "no-store"})

    def _version(self) -> str:
        return f"{len(self.standin.calls)}.{self._revision}"

    def _render(self, person: Person, channel: str, notes: list[str], nonce: str) -> str:
        self._close_replaced_modals(person.id)
        modal = self.open_modal(person.id)
        modal_id = str(modal["id"]) if modal else ""
        home = self.standin.home_view(person.id, SANDBOX_TEAM)
        template = self._env.get_template("console.html")
        return template.render(
            workspace=WORKSPACE_NAME,
            people=PEOPLE,
            person=person,
            channels=self._channel_choices(),
            channel=channel,
            notes=notes,
            ephemerals=self.feed.ephemerals(person.id),
            conversations=self.feed.conversations(person.id),
            home=home,
            fields=Fields(self.standin),
            modal=modal,
            modal_fields=Fields(
                self.standin, self._drafts.get(modal_id), self._errors.get(modal_id)
            ),
            modal_sig=f"{modal['id']}:{modal['hash']}" if modal else "",
            version=self._version(),
            nonce=nonce,
        )

    def _channel_choices(self) -> list[tuple[str, str]]:
        return [(c.id, "#" + c.name) for c in channels(self.standin)]

    def _channel(self, raw: str | None) -> str:
        known = {channel_id for channel_id, _ in self._channel_choices()}
        return raw if raw in known else GENERAL

    # ------------------------------------------------------------------ modals

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
        self._revision += 1

    # ------------------------------------------------------------------ actions

    async def command(self, form: FormData, person: Person, channel: str) -> Response:
        """Send `/vilt <text>` as the chosen person, from the chosen channel."""
        text = form_text(form, "text").strip()
        if text.lower().startswith(COMMAND):
            text = text[len(COMMAND) :].strip()
        before = len(self.standin.calls)
        trigger = self.requests.trigger(SANDBOX_TEAM, person.id)
        url = self.feed.mint_url(person.id, channel, None, None)
        body = self.requests.slash(
            slack_escape(self.standin, text),
            person.id,
            SANDBOX_TEAM,
            channel,
            COMMAND,
            trigger,
            response_url=url,
        )
        response = await self._send(body)
        self._record_ack(person.id, channel, response)
        await self._settle(before, _answers(url=url, trigger=trigger))
        return self._back(person, channel)

    async def action(self, form: FormData, person: Person, channel: str) -> Response:
        """Click a button or pick an option in a message, the App Home or a modal."""
        ajax = form_text(form, "ajax") == "1"
        try:
            block_id, action_id = field_pair(
                form_text(form, "action") or form_text(form, "dispatch")
            )
        except ValueError:
            return self._back(person, channel, "That action is not on the page any more.")
        ref = form_text(form, "ref")
        before = len(self.standin.calls)
        try:
            payload, url, view_id = self._block_actions(person, ref, block_id, action_id, form)
        except LookupError as exc:
            return self._back(person, channel, str(exc))
        trigger = str(payload["trigger_id"])
        response = await self._send(payload_form(payload))
        problem = _failure(response)
        if problem:
            self._note(person.id, f"Slack would show an error on that click: {problem}")
        if ajax:
            return Response(status_code=204)
        await self._settle(before, _answers(url=url, trigger=trigger, view_id=view_id))
        return self._back(person, channel)

    def _block_actions(
        self, person: Person, ref: str, block_id: str, action_id: str, form: FormData
    ) -> tuple[dict[str, Any], str | None, str | None]:
        """The block_actions payload for an element of `ref`, its response_url and view id."""
        if ref.startswith(("v:", "h:")):
            view_id = ref[2:]
            view = self.standin.view(view_id)
            if view is None or self.standin.view_user(view_id) != person.id:
                raise LookupError("That view is not open any more.")
            if ref.startswith("v:"):
                if view_id in self._closed:
                    raise LookupError("That modal is not open any more.")
                if form_text(form, "view_hash") != view["hash"]:
                    raise LookupError("The modal changed; look again and retry.")
            blocks = as_list(view.get("blocks"))
            state_values, drafts, _ = read_fields(blocks, form)
            if ref.startswith("v:"):
                self._drafts[view_id] = drafts
                self._revision += 1
            value, override = acted(blocks, block_id, action_id, drafts)
            payload = self.requests.block_actions(
                action_id,
                block_id=block_id,
                user_id=person.id,
                team_id=SANDBOX_TEAM,
                view=view,
                value=value,
                action=override,
                state_values=state_values,
                trigger_id=self.requests.trigger(SANDBOX_TEAM, person.id, view_id=view_id),
            )
            return payload, None, view_id
        item = self.feed.find(person.id, ref)
        if item is None:
            raise LookupError("That message is not there any more.")
        state_values, drafts, _ = read_fields(item.blocks, form)
        value, override = acted(item.blocks, block_id, action_id, drafts)
        ts = ref.split(":", 2)[2] if ref.startswith("m:") else None
        # Ephemeral messages are the console's to replace; channel messages the stand-in's.
        url = self.feed.mint_url(person.id, item.channel_id, ts, None if ts else ref)
        message: dict[str, Any] = {"type": "message", "text": item.text, "blocks": item.blocks}
        if ts:
            message.update(ts=ts, user=SANDBOX_BOT_USER)
        payload = self.requests.block_actions(
            action_id,
            block_id=block_id,
            user_id=person.id,
            team_id=SANDBOX_TEAM,
            message=message,
            channel_id=item.channel_id,
            is_ephemeral=item.ephemeral,
            message_ts=ts,
            value=value,
            action=override,
            state_values=state_values,
            trigger_id=self.requests.trigger(SANDBOX_TEAM, person.id),
            response_url=url,
        )
        return payload, url, None

    async def submit(self, form: FormData, person: Person, channel: str) -> Response:
        """Press a modal's submit button: view_submission, then what the bot answered."""
        view_id = form_text(form, "view_id")
        view = self.standin.view(view_id)
        if view is None or view_id in self._closed or self._modal_id(person.id) != view_id:
            return self._back(person, channel, "That modal is not open any more.")
        if form_text(form, "view_hash") != view["hash"]:
            return self._back(person, channel, "The modal changed; look again and submit again.")
        blocks = as_list(view.get("blocks"))
        state_values, drafts, missing = read_fields(blocks, form, check_required=True)
        self._drafts[view_id] = drafts
        self._revision += 1
        if missing:
            # Slack's client refuses to submit with empty required inputs; the app never hears.
            self._errors[view_id] = missing
            return self._back(person, channel)
        self._errors.pop(view_id, None)
        before = len(self.standin.calls)
        trigger = self.requests.trigger(SANDBOX_TEAM, person.id, view_id=view_id)
        payload = self.requests.view_submission(
            view,
            state_values,
            user_id=person.id,
            team_id=SANDBOX_TEAM,
            view_id=view_id,
            trigger_id=trigger,
            check_required=False,
        )
        response = await self._send(payload_form(payload))
        answered = self._apply_submission_answer(person, view, response)
        # An answer in the ack usually means nothing follows; a plain ack often means a DM does.
        await self._settle(before, _answers(), first=0.3 if answered else None)
        return self._back(person, channel)

    def _apply_submission_answer(
        self, person: Person, view: dict[str, Any], response: httpx.Response
    ) -> bool:
        """Do what Slack does with a view_submission ack; True if it carried a response_action."""
        view_id = str(view["id"])
        problem = _failure(response)
        if problem:
            self._note(person.id, f"Slack would show “We had some trouble connecting” ({problem}).")
            return True
        body = _json_body(response)
        problems = check_view_ack(body, view)
        if problems:
            self._note(person.id, "Slack would refuse viltbot's answer: " + "; ".join(problems))
            return True
        action = body.get("response_action") if isinstance(body, dict) else None
        if action is None:
            self._forget(view_id)
            return False
        assert isinstance(body, dict)
        if action == "errors":
            self._errors[view_id] = {str(k): str(v) for k, v in dict(body["errors"]).items()}
        elif action in {"update", "push"}:
            self.standin.apply_view_ack(view_id, str(action), dict(body["view"]))
            if action == "update":
                self._drafts.pop(view_id, None)
        elif action == "clear":
            for open_view in self._stack(person.id):
                self._forget(str(open_view["id"]))
        self._revision += 1
        return True

    async def close(self, form: FormData, person: Person, channel: str) -> Response:
        """Press a modal's close button: back one view (all with clear_on_close)."""
        view_id = form_text(form, "view_id")
        view = self.standin.view(view_id)
        if view is None or self._modal_id(person.id) != view_id:
            return self._back(person, channel)
        cleared = bool(view.get("clear_on_close"))
        closing = self._stack(person.id) if cleared else [view]
        if view.get("notify_on_close"):
            state_values, _, _ = read_fields(as_list(view.get("blocks")), form)
            payload = self.requests.view_closed(
                view,
                user_id=person.id,
                team_id=SANDBOX_TEAM,
                is_cleared=cleared,
                state_values=state_values,
            )
            await self._send(payload_form(payload))
        for closed in closing:
            self._forget(str(closed["id"]))
        return self._back(person, channel)

    # ------------------------------------------------------------------ plumbing

    async def _open_home(self, person: Person) -> None:
        """Tell the bot this person is looking at its Home tab, as Slack does on every visit."""
        before = len(self.standin.calls)
        event = self.requests.app_home_opened(person.id, SANDBOX_TEAM)
        envelope = self.requests.event_callback(event, SANDBOX_TEAM)
        await self._send(json.dumps(envelope), content_type="application/json")
        await self._settle(before, lambda c: c.method == "views.publish", first=1.0)

    async def _send(self, body: str, *, content_type: str = FORM_CONTENT_TYPE) -> httpx.Response:
        """POST a signed body to the app's /slack/events, as Slack does (3 s to answer)."""
        async with httpx.AsyncClient(timeout=ACK_SECONDS + 7) as client:
            started = time.monotonic()
            try:
                response = await post_signed(
                    client, self.events_url, self._signing_secret, body, content_type
                )
            except httpx.HTTPError as exc:
                return httpx.Response(599, text=type(exc).__name__)
            if time.monotonic() - started > ACK_SECONDS:
                return httpx.Response(598, text="operation_timeout")
            return response

    def _record_ack(self, user_id: str, channel_id: str, response: httpx.Response) -> None:
        problem = _failure(response)
        if problem:
            body: dict[str, Any] = {"text": f'{COMMAND} failed with the error "{problem}"'}
            self._add_ack(user_id, channel_id, body, "Slackbot")
            return
        answer = _json_body(response)
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

    def _back(self, person: Person, channel: str, note: str | None = None) -> Response:
        if note:
            self._note(person.id, note)
        query = urlencode({"user": person.id, "channel": channel})
        return RedirectResponse(f"/sandbox?{query}", status_code=303)


# ---------------------------------------------------------------------- helpers


def _answers(
    *, url: str | None = None, trigger: str | None = None, view_id: str | None = None
) -> Callable[[RecordedCall], bool]:
    """Whether a recorded call is the bot answering this request."""
    url_id = url.rsplit("/response_url/", 1)[-1] if url else None

    def answered(call: RecordedCall) -> bool:
        if url_id and call.method == RESPONSE_URL and call.path.endswith(url_id):
            return True
        if trigger and call.args.get("trigger_id") == trigger:
            return True
        return bool(view_id) and call.args.get("view_id") == view_id

    if url_id is None and trigger is None and view_id is None:
        return lambda call: True
    return answered


def _failure(response: httpx.Response) -> str | None:
    """The error Slack reports when the app did not ack (None when it did)."""
    if response.status_code == 598:
        return "operation_timeout"
    if response.status_code != 200:
        return "dispatch_failed"
    return None


def _json_body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    if response.headers.get("content-type", "").startswith("application/json"):
        try:
            return response.json()
        except ValueError:
            return response.text
    return response.text


def _same_origin(request: Request) -> bool:
    """Refuse cross-site form posts (browsers send Origin on POST)."""
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"
