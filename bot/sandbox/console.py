"""The try-it console at /sandbox: act as a seeded Slack user and see what viltbot answers.

The console plays Slack's client and Slack's servers for one workspace: it signs real-shaped
slash commands, block_actions and view_submission payloads with the app's signing secret and
POSTs them to the app's own `/slack/events` over HTTP; the bot answers through the Slack stand-in
(mounted at /slack-sandbox), and the page shows what the stand-in recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.bootstrap import Runtime
from bot.sandbox.mode import SANDBOX_ADMIN, SANDBOX_BOT_TOKEN, SANDBOX_BOT_USER, SANDBOX_TEAM
from bot.sandbox.slack_api import RESPONSE_URL, RecordedCall, SlackStandIn
from bot.sandbox.slack_blockkit import check_message_body, check_view_ack, interactive_elements
from bot.sandbox.slack_requests import (
    FORM_CONTENT_TYPE,
    SlackRequests,
    element_state,
    empty_state,
    payload_form,
    post_signed,
    state_key,
)
from bot.slack_app import BOT_SCOPES

TEMPLATES = Path(__file__).resolve().parent / "templates"
WORKSPACE_NAME = "Sandbox Academy"
GENERAL = "C0SBGENRL1"
TRAINING = "C0SBTRAIN1"
LEADERSHIP = "G0SBLEADR1"
COMMAND = "/vilt"
ACK_SECONDS = 3.0  # Slack gives up on an app that has not answered within 3 s
SETTLE_SECONDS = 2.0  # how long an action waits for the bot's answer before re-rendering
QUIET_SECONDS = 0.3  # ...and for follow-up calls once the answer came
REQUIRED = "Please complete this required field."
STATELESS = frozenset({"button", "overflow", "workflow_button"})
MULTI_KEYS = frozenset(
    {"selected_options", "selected_users", "selected_conversations", "selected_channels"}
)
# Enough emoji for viltbot's messages; others stay as :shortcode:.
EMOJI = {
    "white_check_mark": "\u2705",
    "warning": "\u26a0\ufe0f",
    "no_entry": "\u26d4",
    "boom": "\U0001f4a5",
    "floppy_disk": "\U0001f4be",
    "hourglass_flowing_sand": "\u23f3",
    "large_green_circle": "\U0001f7e2",
    "red_circle": "\U0001f534",
    "white_circle": "\u26aa",
    "link": "\U0001f517",
    "calendar": "\U0001f4c5",
    "wave": "\U0001f44b",
    "tada": "\U0001f389",
    "x": "\u274c",
    "information_source": "\u2139\ufe0f",
    "bell": "\U0001f514",
    "memo": "\U0001f4dd",
    "mag": "\U0001f50d",
    "lock": "\U0001f512",
    "key": "\U0001f511",
}


@dataclass(frozen=True)
class Person:
    """Someone in the sandbox workspace the console can act as."""

    id: str
    handle: str
    real_name: str
    title: str
    is_admin: bool = False

    @property
    def email(self) -> str:
        """Their (made-up) address."""
        return f"{self.handle}@example.com"


PEOPLE = (
    Person(SANDBOX_ADMIN, "ada", "Ada Admin", "first admin", is_admin=True),
    Person("U0SANDINS1", "ian", "Ian Instructor", "instructor"),
    Person("U0SANDLEA1", "lea", "Lea Learner", "learner"),
    Person("U0SANDLEO1", "leo", "Leo Learner", "learner"),
)


@dataclass
class FeedItem:
    """One message as the chosen person sees it."""

    ref: str  # what a click on it refers to: "m:<channel>:<ts>", "e<n>" / "a<n>" (ephemeral)
    text: str
    blocks: list[Any]
    where: str
    channel_id: str | None
    author: str = "viltbot"
    ephemeral: bool = False
    attachments: list[Any] = field(default_factory=list)
    files: list[Any] = field(default_factory=list)
    in_thread: bool = False


@dataclass
class Conversation:
    """A channel or DM with its messages, oldest first."""

    id: str
    label: str
    messages: list[FeedItem]


@dataclass
class _Target:
    # Who a response_url minted by the console belongs to, and the ephemeral it came from.
    user_id: str
    channel_id: str | None
    source: str | None


@dataclass
class _Ack:
    # An answer Slack shows the person directly: a command's ack body, or Slack's own error.
    time: float
    user_id: str
    channel_id: str
    body: dict[str, Any]
    author: str


Draft = tuple[str, str | list[str]]  # (element type, what the person entered)


class SandboxStandIn(SlackStandIn):
    """The Slack stand-in plus what Slack itself does with a view_submission's answer."""

    def apply_view_ack(
        self, view_id: str, response_action: str, view: dict[str, Any]
    ) -> dict[str, Any]:
        """Apply `response_action: update | push` to a stored view as Slack does; return it."""
        current = self._views[view_id]
        workspace = self.workspaces[current["team_id"]]
        if response_action == "update":
            stored = self._view_json(
                workspace,
                view,
                view_id=view_id,
                previous_view_id=current["previous_view_id"],
                root_view_id=current["root_view_id"],
            )
            self._views[view_id] = stored
            return stored
        if response_action == "push":
            stored = self._view_json(
                workspace,
                view,
                previous_view_id=view_id,
                root_view_id=current["root_view_id"],
            )
            self._views[stored["id"]] = stored
            self._view_users[stored["id"]] = self._view_users.get(view_id)
            return stored
        raise ValueError(f"not a view-changing response_action: {response_action!r}")


def seed_sandbox(standin: SlackStandIn) -> None:
    """Sandbox Academy: the bot, three channels and four people."""
    standin.add_workspace(
        SANDBOX_TEAM,
        SANDBOX_BOT_TOKEN,
        SANDBOX_BOT_USER,
        WORKSPACE_NAME,
        scopes=tuple(BOT_SCOPES),
    )
    standin.add_channel(SANDBOX_TEAM, GENERAL, "general")
    # The bot joins #training itself when a team picks it as report channel.
    standin.add_channel(SANDBOX_TEAM, TRAINING, "training", is_member=False)
    standin.add_channel(SANDBOX_TEAM, LEADERSHIP, "leadership", is_private=True, is_member=False)
    for person in PEOPLE:
        standin.add_user(
            SANDBOX_TEAM,
            person.id,
            person.handle,
            person.email,
            real_name=person.real_name,
            is_admin=person.is_admin,
        )


class Fields:
    """How the page names, fills and labels the interactive elements of a message or view."""

    def __init__(
        self,
        console: SandboxConsole,
        drafts: dict[tuple[str, str], Draft] | None = None,
        errors: dict[str, str] | None = None,
    ) -> None:
        self._console = console
        self._drafts = drafts or {}
        self._errors = errors or {}

    @staticmethod
    def name(block: dict[str, Any], element: dict[str, Any]) -> str:
        """The form field name: the JSON pair [block_id, action_id]."""
        return json.dumps([str(block.get("block_id", "")), str(element.get("action_id", ""))])

    def dom_id(self, block: dict[str, Any], element: dict[str, Any]) -> str:
        """A stable HTML id for the element (labels point at it)."""
        return "f-" + hashlib.sha1(self.name(block, element).encode()).hexdigest()[:12]

    def _draft(self, block: dict[str, Any], element: dict[str, Any]) -> str | list[str] | None:
        key = (str(block.get("block_id", "")), str(element.get("action_id", "")))
        draft = self._drafts.get(key)
        # Slack keeps what was entered across views.update only while the element stays the same.
        if draft is None or draft[0] != element.get("type"):
            return None
        return draft[1]

    def text(self, block: dict[str, Any], element: dict[str, Any]) -> str:
        """The current text of a text, number, date or time input."""
        draft = self._draft(block, element)
        if isinstance(draft, str):
            return draft
        for key in ("initial_value", "initial_date", "initial_time"):
            if element.get(key) is not None:
                return str(element[key])
        return ""

    def chosen(self, block: dict[str, Any], element: dict[str, Any]) -> list[str]:
        """The values currently picked in a select, checkbox or radio group."""
        draft = self._draft(block, element)
        if draft is not None:
            return [draft] if isinstance(draft, str) else list(draft)
        for key in ("initial_option", "initial_options"):
            initial = element.get(key)
            if isinstance(initial, dict):
                return [str(initial.get("value"))]
            if isinstance(initial, list):
                return [str(o.get("value")) for o in initial if isinstance(o, dict)]
        for key in ("initial_user", "initial_conversation", "initial_channel"):
            if element.get(key):
                return [str(element[key])]
        for key in ("initial_users", "initial_conversations", "initial_channels"):
            if isinstance(element.get(key), list):
                return [str(v) for v in element[key]]
        return []

    def option_groups(self, element: dict[str, Any]) -> list[tuple[str | None, list[Any]]]:
        """Options to offer, grouped: (group label or None, [option objects])."""
        kind = str(element.get("type", ""))
        if kind.endswith("users_select"):
            return [(None, [_plain_option(p.real_name, p.id) for p in PEOPLE])]
        if kind.endswith(("conversations_select", "channels_select")):
            channels = [
                _plain_option("#" + c.name, c.id)
                for c in self._console.standin.channels.values()
                if c.team_id == SANDBOX_TEAM and not c.is_im
            ]
            return [(None, channels)]
        groups: list[tuple[str | None, list[Any]]] = []
        if element.get("options"):
            groups.append((None, list(element["options"])))
        for group in element.get("option_groups") or []:
            label = (group.get("label") or {}).get("text")
            groups.append((str(label) if label else None, list(group.get("options") or [])))
        return groups

    @staticmethod
    def dispatches(block: dict[str, Any], element: dict[str, Any]) -> bool:
        """Whether changing the element sends block_actions (outside inputs, or dispatch_action)."""
        return block.get("type") != "input" or bool(block.get("dispatch_action"))

    def error(self, block: dict[str, Any]) -> str:
        """The error shown under an input block ("" when none)."""
        return self._errors.get(str(block.get("block_id", "")), "")

    @staticmethod
    def confirm_text(confirm: dict[str, Any]) -> str:
        """The question a confirm dialog asks, as plain text."""
        parts = [(confirm.get("title") or {}).get("text"), (confirm.get("text") or {}).get("text")]
        return "\n\n".join(str(p) for p in parts if p)


class SandboxConsole:
    """The /sandbox page and the Slack stand-in it drives for one sandbox runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        settings = runtime.settings
        # Block Kit checks only: the Web API spec is not shipped with the bot.
        self.standin = SandboxStandIn()
        self.standin.base_url = settings.slack_api_url
        seed_sandbox(self.standin)
        self.requests = SlackRequests(standin=self.standin)
        self.events_url = settings.public_url + "/slack/events"
        secret = settings.slack_signing_secret
        self._signing_secret = secret.get_secret_value() if secret else ""
        self._urls: dict[str, _Target] = {}
        self._acks: list[_Ack] = []
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
            Route("/sandbox/command", self.command, methods=["POST"]),
            Route("/sandbox/action", self.action, methods=["POST"]),
            Route("/sandbox/view/submit", self.submit, methods=["POST"]),
            Route("/sandbox/view/close", self.close, methods=["POST"]),
        ]

    # ------------------------------------------------------------------ text

    def slack_escape(self, text: str) -> str:
        """Command text as Slack sends it: & < > escaped, #channel and @person turned into links."""
        out: list[str] = []
        pos = 0
        for match in _TYPED_LINK.finditer(text):
            out.append(self._escape_typed(text[pos : match.start()]))
            out.append(match.group(0))
            pos = match.end()
        out.append(self._escape_typed(text[pos:]))
        return "".join(out)

    def _escape_typed(self, text: str) -> str:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        def link(match: re.Match[str]) -> str:
            sigil, name = match.group(1), match.group(2)
            if sigil == "#":
                channel = self._channel_named(name)
                return f"<#{channel[0]}|{channel[1]}>" if channel else match.group(0)
            person = self._person_named(name)
            return f"<@{person.id}>" if person else match.group(0)

        return _TYPED_MENTION.sub(link, escaped)

    def _channel_named(self, name: str) -> tuple[str, str] | None:
        for channel in self.standin.channels.values():
            usable = channel.team_id == SANDBOX_TEAM and not channel.is_im
            if usable and channel.name.lower() == name.lower():
                return channel.id, channel.name
        return None

    @staticmethod
    def _person_named(name: str) -> Person | None:
        wanted = name.lower()
        for person in PEOPLE:
            first = person.real_name.split()[0].lower()
            joined = person.real_name.replace(" ", "").lower()
            if wanted in {person.handle, first, joined, person.id.lower()}:
                return person
        return None

    def mrkdwn(self, text: Any) -> Markup:
        """Slack mrkdwn as HTML: *bold*, _italic_, ~strike~, `code`, mentions as names, links."""
        return mrkdwn_html(str(text or ""), self._label)

    def _label(self, raw: str) -> str | None:
        """The display name of a user (@…) or channel (#…) id, if known."""
        if raw.startswith("@"):
            user = self.standin.users.get((SANDBOX_TEAM, raw[1:]))
            return "@" + user.real_name if user else None
        if raw.startswith("#"):
            channel = self.standin.channels.get((SANDBOX_TEAM, raw[1:]))
            return "#" + channel.name if channel and not channel.is_im else None
        return None

    # ------------------------------------------------------------------ pages

    async def page(self, request: Request) -> Response:
        """The console: who you are, the command box, the feed, the open modal."""
        person = _person(request.query_params.get("user"))
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
            ephemerals=self._ephemerals(person.id),
            conversations=self._conversations(person.id),
            home=home,
            fields=Fields(self),
            modal=modal,
            modal_fields=Fields(self, self._drafts.get(modal_id), self._errors.get(modal_id)),
            modal_sig=f"{modal['id']}:{modal['hash']}" if modal else "",
            version=self._version(),
            nonce=nonce,
        )

    def _channel_choices(self) -> list[tuple[str, str]]:
        return [
            (c.id, "#" + c.name)
            for c in self.standin.channels.values()
            if c.team_id == SANDBOX_TEAM and not c.is_im
        ]

    def _channel(self, raw: str | None) -> str:
        known = {channel_id for channel_id, _ in self._channel_choices()}
        return raw if raw in known else GENERAL

    # ------------------------------------------------------------------ feed

    def _ephemerals(self, user_id: str) -> list[FeedItem]:
        """Messages only this person sees: acks, response_url answers, chat.postEphemeral."""
        events: list[tuple[float, str, Any]] = [
            (ack.time, f"a{i}", ack) for i, ack in enumerate(self._acks) if ack.user_id == user_id
        ]
        for index, call in enumerate(self.standin.calls):
            if call.method in {RESPONSE_URL, "chat.postEphemeral"}:
                events.append((call.time, f"e{index}", call))
        events.sort(key=lambda event: event[0])
        items: dict[str, FeedItem] = {}
        for _, ref, event in events:
            if isinstance(event, _Ack):
                items[ref] = self._ephemeral_item(ref, event.body, event.channel_id, event.author)
            elif event.method == "chat.postEphemeral":
                args = event.args
                if event.ok and args.get("user") == user_id:
                    channel_id = str(args.get("channel") or "")
                    items[ref] = self._ephemeral_item(ref, args, channel_id)
            else:
                self._apply_response_call(items, ref, event, user_id)
        return list(items.values())

    def _apply_response_call(
        self, items: dict[str, FeedItem], ref: str, call: RecordedCall, user_id: str
    ) -> None:
        target = self._urls.get(call.path.rsplit("/response_url/", 1)[-1])
        if target is None or target.user_id != user_id:
            return
        if not call.ok:
            problems = "; ".join(call.violations) or str(call.response)
            items[ref] = self._ephemeral_item(
                ref,
                {"text": f"Slack refused what viltbot posted to a response_url: {problems}"},
                target.channel_id,
                "Slackbot",
            )
            return
        body = call.args
        source = target.source
        if body.get("delete_original"):
            if source is not None:
                items.pop(source, None)
            return
        if body.get("replace_original"):
            if source is not None and source in items:
                old = items[source]
                items[source] = self._ephemeral_item(source, body, old.channel_id)
            # A channel message's replacement is applied by the stand-in itself.
            return
        if body.get("response_type") == "in_channel":
            return  # the stand-in posted it in the channel, where everyone sees it
        items[ref] = self._ephemeral_item(ref, body, target.channel_id)

    def _ephemeral_item(
        self, ref: str, body: dict[str, Any], channel_id: str | None, author: str = "viltbot"
    ) -> FeedItem:
        where = self._label("#" + channel_id) if channel_id else None
        return FeedItem(
            ref=ref,
            text=str(body.get("text") or ""),
            blocks=_list(body.get("blocks")),
            attachments=_list(body.get("attachments")),
            where=where or "a DM",
            channel_id=channel_id,
            author=author,
            ephemeral=True,
        )

    def _conversations(self, user_id: str) -> list[Conversation]:
        """The person's DM with the bot first, then every channel with messages."""
        found: list[Conversation] = []
        for channel in self.standin.channels.values():
            if channel.team_id != SANDBOX_TEAM or (channel.is_im and channel.user != user_id):
                continue
            messages = self.standin.messages(channel.id, SANDBOX_TEAM)
            if not messages:
                continue
            label = "Direct messages with viltbot" if channel.is_im else "#" + channel.name
            items = [
                FeedItem(
                    ref=f"m:{channel.id}:{m['ts']}",
                    text=str(m.get("text") or ""),
                    blocks=_list(m.get("blocks")),
                    attachments=_list(m.get("attachments")),
                    files=_list(m.get("files")),
                    where=label,
                    channel_id=channel.id,
                    in_thread=bool(m.get("thread_ts")) and m.get("thread_ts") != m.get("ts"),
                )
                for m in messages
            ]
            conversation = Conversation(channel.id, label, items)
            if channel.is_im:
                found.insert(0, conversation)
            else:
                found.append(conversation)
        return found

    # ------------------------------------------------------------------ modals

    def _stack(self, user_id: str) -> list[dict[str, Any]]:
        """The person's open modal stack (root first), or []."""
        mine = [
            v
            for v in self.standin.views(SANDBOX_TEAM)
            if v["type"] == "modal"
            and self.standin.view_user(v["id"]) == user_id
            and v["id"] not in self._closed
        ]
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
        for view in self.standin.views(SANDBOX_TEAM):
            if (
                view["type"] == "modal"
                and self.standin.view_user(view["id"]) == user_id
                and view["root_view_id"] != root
                and view["id"] not in self._closed
            ):
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

    async def command(self, request: Request) -> Response:
        """Send `/vilt <text>` as the chosen person, from the chosen channel."""
        form = await request.form()
        if not _same_origin(request):
            return Response("cross-site request refused", status_code=403)
        person = _person(_str(form, "user"))
        channel = self._channel(_str(form, "channel"))
        text = _str(form, "text").strip()
        if text.lower().startswith(COMMAND):
            text = text[len(COMMAND) :].strip()
        before = len(self.standin.calls)
        trigger = self.requests.trigger(SANDBOX_TEAM, person.id)
        url = self._mint_url(person.id, channel, None, None)
        body = self.requests.slash(
            self.slack_escape(text),
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

    async def action(self, request: Request) -> Response:
        """Click a button or pick an option in a message, the App Home or a modal."""
        form = await request.form()
        if not _same_origin(request):
            return Response("cross-site request refused", status_code=403)
        person = _person(_str(form, "user"))
        channel = self._channel(_str(form, "channel"))
        ajax = _str(form, "ajax") == "1"
        try:
            block_id, action_id = _pair(_str(form, "action") or _str(form, "dispatch"))
        except ValueError:
            return self._back(person, channel, "That action is not on the page any more.")
        ref = _str(form, "ref")
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
                if _str(form, "view_hash") != view["hash"]:
                    raise LookupError("The modal changed; look again and retry.")
            blocks = _list(view.get("blocks"))
            state_values, drafts, _ = self._read_fields(blocks, form)
            if ref.startswith("v:"):
                self._drafts[view_id] = drafts
                self._revision += 1
            value, override = _acted(blocks, block_id, action_id, drafts)
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
        item = self._find_item(person.id, ref)
        if item is None:
            raise LookupError("That message is not there any more.")
        state_values, drafts, _ = self._read_fields(item.blocks, form)
        value, override = _acted(item.blocks, block_id, action_id, drafts)
        ts = ref.split(":", 2)[2] if ref.startswith("m:") else None
        # Ephemeral messages are the console's to replace; channel messages the stand-in's.
        url = self._mint_url(person.id, item.channel_id, ts, None if ts else ref)
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

    async def submit(self, request: Request) -> Response:
        """Press a modal's submit button: view_submission, then what the bot answered."""
        form = await request.form()
        if not _same_origin(request):
            return Response("cross-site request refused", status_code=403)
        person = _person(_str(form, "user"))
        channel = self._channel(_str(form, "channel"))
        view_id = _str(form, "view_id")
        view = self.standin.view(view_id)
        if view is None or view_id in self._closed or self._modal_id(person.id) != view_id:
            return self._back(person, channel, "That modal is not open any more.")
        if _str(form, "view_hash") != view["hash"]:
            return self._back(person, channel, "The modal changed; look again and submit again.")
        blocks = _list(view.get("blocks"))
        state_values, drafts, missing = self._read_fields(blocks, form, check_required=True)
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

    async def close(self, request: Request) -> Response:
        """Press a modal's close button: back one view (all with clear_on_close)."""
        form = await request.form()
        if not _same_origin(request):
            return Response("cross-site request refused", status_code=403)
        person = _person(_str(form, "user"))
        channel = self._channel(_str(form, "channel"))
        view_id = _str(form, "view_id")
        view = self.standin.view(view_id)
        if view is None or self._modal_id(person.id) != view_id:
            return self._back(person, channel)
        cleared = bool(view.get("clear_on_close"))
        closing = self._stack(person.id) if cleared else [view]
        if view.get("notify_on_close"):
            state_values, _, _ = self._read_fields(_list(view.get("blocks")), form)
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
        self._acks.append(_Ack(time.time(), user_id, channel_id, body, author))
        self._revision += 1

    def _mint_url(
        self, user_id: str, channel_id: str | None, message_ts: str | None, source: str | None
    ) -> str:
        url = self.standin.new_response_url(
            SANDBOX_TEAM, channel_id=channel_id, message_ts=message_ts, user_id=user_id
        )
        self._urls[url.rsplit("/response_url/", 1)[-1]] = _Target(user_id, channel_id, source)
        return url

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

    def _read_fields(
        self, blocks: list[Any], form: FormData, *, check_required: bool = False
    ) -> tuple[dict[str, Any], dict[tuple[str, str], Draft], dict[str, str]]:
        """State values, drafts and missing required inputs from the posted form."""
        present = set(form.getlist("present"))
        state_values: dict[str, Any] = {}
        drafts: dict[tuple[str, str], Draft] = {}
        missing: dict[str, str] = {}
        for block, element in interactive_elements(blocks):
            key = state_key(element)
            kind = str(element.get("type", ""))
            name = Fields.name(block, element)
            block_id, action_id = json.loads(name)
            if kind == "overflow":
                # Not part of view.state, but its pick is the action's value.
                drafts[(block_id, action_id)] = (kind, _str(form, name))
                continue
            if kind in STATELESS or key is None:
                continue
            if name not in present:
                continue  # not shown on the page: Slack keeps its initial value
            raw: str | list[str]
            if key in MULTI_KEYS:
                raw = [v for v in form.getlist(name) if isinstance(v, str) and v]
            else:
                raw = _str(form, name)
            drafts[(block_id, action_id)] = (kind, raw)
            entry = empty_state(element)
            if raw:
                # A value that is not among the view's options any more counts as empty.
                with contextlib.suppress(ValueError):
                    entry = element_state(element, raw)
            state_values.setdefault(block_id, {})[action_id] = entry
            filled = any(v not in (None, [], "") for k, v in entry.items() if k != "type")
            required = block.get("type") == "input" and not block.get("optional")
            if check_required and required and not filled:
                missing[block_id] = REQUIRED
        return state_values, drafts, missing

    def _find_item(self, user_id: str, ref: str) -> FeedItem | None:
        if ref.startswith("m:"):
            for conversation in self._conversations(user_id):
                for item in conversation.messages:
                    if item.ref == ref:
                        return item
            return None
        return next((item for item in self._ephemerals(user_id) if item.ref == ref), None)

    def _note(self, user_id: str, text: str) -> None:
        self._notes.setdefault(user_id, []).append(text)
        self._revision += 1

    def _back(self, person: Person, channel: str, note: str | None = None) -> Response:
        if note:
            self._note(person.id, note)
        query = urlencode({"user": person.id, "channel": channel})
        return RedirectResponse(f"/sandbox?{query}", status_code=303)


# ---------------------------------------------------------------------- helpers

# A link the person typed in Slack's own escaped form: kept as is.
_TYPED_LINK = re.compile(r"<[#@!][A-Za-z0-9][^<>\s]*>")
# #channel or @person as typed (not inside a word, not an &entity;).
_TYPED_MENTION = re.compile(r"(?<![\w&<])([#@])(\w(?:[\w.\-]*\w)?)")
_MRKDWN_TOKENS = re.compile(
    r"```(?P<pre>.+?)```|`(?P<code>[^`\n]+)`|<(?P<angle>[^<>\n]+)>", re.DOTALL
)
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def mrkdwn_html(text: str, label: Callable[[str], str | None]) -> Markup:
    """Slack mrkdwn as escaped HTML; `label` names "@U…" / "#C…" ids (None when unknown)."""
    out: list[str] = []
    pos = 0
    for match in _MRKDWN_TOKENS.finditer(text):
        out.append(_inline(text[pos : match.start()]))
        if match.group("pre") is not None:
            out.append(f"<pre>{escape(html.unescape(match.group('pre')))}</pre>")
        elif match.group("code") is not None:
            out.append(f"<code>{escape(html.unescape(match.group('code')))}</code>")
        else:
            out.append(_angle(match.group("angle"), label))
        pos = match.end()
    out.append(_inline(text[pos:]))
    return Markup("".join(out))


def _inline(text: str) -> str:
    escaped = str(escape(html.unescape(text)))
    escaped = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), escaped)
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    escaped = _ITALIC.sub(r"<em>\1</em>", escaped)
    escaped = _STRIKE.sub(r"<del>\1</del>", escaped)
    return escaped.replace("\n", "<br>")


def _angle(inner: str, label: Callable[[str], str | None]) -> str:
    target, _, fallback = inner.partition("|")
    if target[:1] in {"@", "#"}:
        name = label(target) or (target[0] + fallback if fallback else target)
        css = "mention" if target[0] == "@" else "channel"
        return f'<span class="{css}">{escape(html.unescape(name))}</span>'
    if target.startswith("!"):
        special = target[1:].split("^", 1)[0]
        shown = fallback or ("@" + special if special in {"here", "channel", "everyone"} else "")
        return f'<span class="mention">{escape(html.unescape(shown or target))}</span>'
    url = html.unescape(target)
    if url.startswith(_SAFE_SCHEMES):
        shown = html.unescape(fallback) if fallback else url
        return (
            f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(shown)}</a>'
        )
    # Not a Slack link: it was literal text such as `<name>`.
    return str(escape(html.unescape(f"<{inner}>")))


def plain_text(value: Any) -> Markup:
    """A plain_text object's text (or a string), escaped, with emoji shortcodes shown."""
    text = value.get("text") if isinstance(value, dict) else value
    escaped = str(escape(str(text or "")))
    return Markup(_EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), escaped))


def safe_url(value: Any) -> str:
    """The URL when it is http(s) or mailto, else "#" (no javascript: links)."""
    url = str(value or "")
    return url if url.startswith(_SAFE_SCHEMES) else "#"


def css_color(value: Any) -> str:
    """An attachment colour as CSS: #hex or Slack's good / warning / danger."""
    named = {"good": "#2eb67d", "warning": "#ecb22e", "danger": "#e01e5a"}
    text = str(value or "")
    if text in named:
        return named[text]
    return text if re.fullmatch(r"#?[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?", text) else "#dddddd"


def _plain_option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _person(user_id: str | None) -> Person:
    return next((p for p in PEOPLE if p.id == user_id), PEOPLE[0])


def _str(form: FormData, key: str) -> str:
    value = form.get(key)
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _pair(raw: str) -> tuple[str, str]:
    """[block_id, action_id] from a field name."""
    data = json.loads(raw)
    if not (isinstance(data, list) and len(data) == 2 and all(isinstance(x, str) for x in data)):
        raise ValueError(raw)
    return data[0], data[1]


def _acted(
    blocks: list[Any], block_id: str, action_id: str, drafts: dict[tuple[str, str], Draft]
) -> tuple[Any, dict[str, Any] | None]:
    """The value of the element acted on (None for buttons) and a state override when emptied."""
    for block, element in interactive_elements(blocks):
        if block.get("block_id") == block_id and element.get("action_id") == action_id:
            if element.get("type") in STATELESS and element.get("type") != "overflow":
                return None, None
            draft = drafts.get((block_id, action_id))
            raw = draft[1] if draft else None
            if not raw:
                return None, empty_state(element)
            return raw, None
    raise LookupError("That button or menu is not there any more.")


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
