"""The console, live: the page's parts rendered for one person in one place, answered to each
action the page sends with fetch, and pushed over server-sent events whenever anything changes
(a notice the job delivered, a message updated or deleted, a modal updated by views.update).

An action answers with the parts as they are once the bot acknowledged it; whatever the bot does
after that reaches the page through the person's event stream. A form posted without the page's
script (no `X-Console` header) still gets a redirect to the whole page.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from bot.bootstrap import Runtime
from sandbox.console.feed import FeedItem
from sandbox.console.fields import Fields
from sandbox.console.goto_panel import ConsoleGoTo
from sandbox.console.places import HOME, Place, Seen, place_for, places
from sandbox.console.tour import tour
from sandbox.console.workspace import Person, person_for
from sandbox.goto.state import SandboxState
from sandbox.ids import SANDBOX_TEAM

# Set while an action sent by the page's script is handled: answer with parts, not a redirect.
LIVE: ContextVar[bool] = ContextVar("console_live", default=False)
LIVE_HEADER = "x-console"
# A stream wakes when the Slack stand-in handled a call, and looks for the console's own changes
# (a modal's errors, a GoTo panel note) this often (seconds).
STREAM_TICK = 0.1
KEEPALIVE_SECONDS = 15.0
DRAWN_LIMIT = 5000  # messages kept drawn before the store starts again
STREAM_SECONDS = 600.0  # a stream ends after this; the browser reconnects by itself


class LiveBack(Response):
    """What an action answers in place of the redirect, until the parts are rendered."""

    def __init__(self, person: Person, channel: str, focus: str | None) -> None:
        super().__init__(status_code=200)
        self.person = person
        self.channel = channel
        self.focus = focus


class ConsoleLive(ConsoleGoTo):
    """The parts of the page, per person and place, for the page's script."""

    def __init__(self, runtime: Runtime, goto: SandboxState) -> None:
        super().__init__(runtime, goto)
        # When each person last saw each place (the newest message shown there).
        self._seen: dict[str, float] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._wake = asyncio.Event()
        self.standin.listeners.append(self._poke)
        # Which run of the server drew the parts: after a restart the versions start again, and
        # a page still open takes everything anew.
        self._boot = f"{time.time_ns():x}"
        # Set when the server is asked to stop: every stream ends within a tick.
        self._stopping = False
        runtime.stopping.append(self._stop_streams)
        # Each person's GoTo panel and tour as last drawn, with the place and version drawn for.
        self._drawers: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {}
        self._drawer_reads = 0
        self._reading: set[str] = set()  # people whose panel and tour are being read again
        # Messages as drawn, by who reads them where and what they hold.
        self._drawn: dict[str, str] = {}

    def _stop_streams(self) -> None:
        self._stopping = True

    def _poke(self) -> None:
        """Wake every stream: the stand-in changed."""
        woken, self._wake = self._wake, asyncio.Event()
        woken.set()

    def _data_version(self) -> str:
        """Changes when what the page shows may have changed: "<stand-in changes>.<console
        revision>", both only growing."""
        return f"{self.standin.changes}.{self._revision}"

    def _version(self) -> str:
        """The page's version: the data's, then how often the GoTo panel and tour were read
        again (they follow a moment later, see `_drawer`)."""
        return f"{self._data_version()}.{self._drawer_reads}"

    def _back(
        self, person: Person, channel: str, note: str | None = None, *, focus: str | None = None
    ) -> Response:
        if not LIVE.get():
            return super()._back(person, channel, note, focus=focus)
        if note:
            self._note(person.id, note)
        return LiveBack(person, channel, focus)

    async def _settle(self, *args: Any, **kwargs: Any) -> None:
        # The page hears whatever follows the ack through its event stream.
        if not LIVE.get():
            await super()._settle(*args, **kwargs)

    def _seen_key(self, person: Person, place: Place) -> str:
        return f"{person.id}:{place.id}"

    async def parts(
        self,
        person: Person,
        place: Place,
        *,
        focus: str | None = None,
        notes: bool = False,
        current: bool = False,
    ) -> dict[str, Any]:
        """Everything the page shows, as HTML per part; `notes` takes the person's pending notes
        (an action's answer shows them once, a pushed update leaves them); `current` reads the
        GoTo panel and tour as of now (a whole page), not as last read."""
        version = self._version()
        data_version = self._data_version()
        self._close_replaced_modals(person.id)
        seen = Seen.of(self.feed, person)
        items = seen.items_in(place)
        newest = max((item.shown_at for item in items), default=0.0)
        self._seen[self._seen_key(person, place)] = max(
            newest, self._seen.get(self._seen_key(person, place), 0.0)
        )
        sidebar = [(p, self._unread(seen, person, p)) for p in places(self.standin, person)]
        modal = self.open_modal(person.id)
        modal_id = str(modal["id"]) if modal else ""
        panel_notes = self.goto_notes(person.id) if notes else []
        context: dict[str, Any] = {
            "person": person,
            "place": place,
            "channel": place.id,
            "fields": Fields(self.standin, zone=self._zone(person.id)),
        }
        said = self._notes.pop(person.id, []) if notes else []
        goto_html, tour_html = await self._drawer(
            person, place, data_version, panel_notes, context, current=current
        )
        render = self._env.get_template("_live.html").make_module(vars=context)
        return {
            "version": version,
            "boot": self._boot,
            "user": person.id,
            "place": place.id,
            "title": place.title,
            "composer": "" if place.kind == "home" else place.composer_hint,
            "sidebar": str(render.sidebar(sidebar, place, person)),  # type: ignore[attr-defined]
            # The pane, one entry per message (the page keeps those it has), oldest first.
            "items": [
                [
                    "intro",
                    str(render.intro(place, self._home_view(person, place))),  # type: ignore[attr-defined]
                ],
                *(
                    [f"msg-{item.ref}", self._message_html(render, person, place, item)]
                    for item in items
                ),
            ],
            "newest": f"msg-{max(items, key=lambda i: i.shown_at).ref}" if items else "",
            "modal_sig": self._modal_sig(modal),
            "modal": str(
                render.modal(  # type: ignore[attr-defined]
                    modal,
                    Fields(
                        self.standin,
                        self._drafts.get(modal_id),
                        self._errors.get(modal_id),
                        self._suggestions.get(modal_id),
                        zone=self._zone(person.id),
                    ),
                    context,
                )
            )
            if modal
            else "",
            "goto": goto_html,
            "tour": tour_html,
            "notes": said,
            "goto_notes": panel_notes,
            "focus": focus or "",
        }

    async def _drawer(
        self,
        person: Person,
        place: Place,
        data_version: str,
        panel_notes: list[str],
        context: dict[str, Any],
        *,
        current: bool = False,
    ) -> tuple[str, str]:
        """The GoTo panel and the tour as HTML. They take the database a few statements to read,
        so a reply is not kept waiting for them: when what they were read for is out of date,
        the page gets them as last read, and again a moment later, read anew."""
        cached = self._drawers.get(person.id)
        stale = cached is None or cached[0] != (place.id, data_version)
        if panel_notes or cached is None or cached[0][0] != place.id or (current and stale):
            # Shielded: a stream closed meanwhile (the person went elsewhere) must not cut a
            # database read short.
            reading = asyncio.ensure_future(self._read_drawer(person, place, panel_notes, context))
            drawn = await asyncio.shield(reading)
            if not panel_notes:
                self._drawers[person.id] = ((place.id, data_version), drawn)
            return drawn
        if cached[0][1] != data_version and person.id not in self._reading:
            self._reading.add(person.id)
            self._background(self._read_drawer_again(person, place, context))
        return cached[1]

    async def _read_drawer(
        self, person: Person, place: Place, panel_notes: list[str], context: dict[str, Any]
    ) -> tuple[str, str]:
        goto = await self.goto_panel(person)
        goto.notes = panel_notes
        steps = await tour(self.runtime, self.goto)
        render = self._env.get_template("_live.html").make_module(vars={**context, "goto": goto})
        return (
            str(render.goto_panel(context)),  # type: ignore[attr-defined]
            str(render.tour(steps, person)),  # type: ignore[attr-defined]
        )

    async def _read_drawer_again(
        self, person: Person, place: Place, context: dict[str, Any]
    ) -> None:
        """Read the panel and tour until they are as of the data, then wake the streams."""
        try:
            while True:
                data_version = self._data_version()
                drawn = await self._read_drawer(person, place, [], context)
                self._drawers[person.id] = ((place.id, data_version), drawn)
                self._drawer_reads += 1
                self._poke()
                if self._data_version() == data_version:
                    return
        finally:
            self._reading.discard(person.id)

    def _message_html(self, render: Any, person: Person, place: Place, item: FeedItem) -> str:
        """One message as HTML, drawn again only when it changed (or the day did, for dates
        written as "today")."""
        content = json.dumps(
            [item.text, item.blocks, item.attachments, item.files, item.author, item.in_thread],
            sort_keys=True,
            default=str,
        )
        key = (
            f"{person.id}:{place.id}:{item.ref}:{item.shown_at}:{self.runtime.clock().date()}:"
            + hashlib.sha256(content.encode()).hexdigest()
        )
        html = self._drawn.get(key)
        if html is None:
            if len(self._drawn) > DRAWN_LIMIT:
                self._drawn.clear()
            html = self._drawn[key] = str(render.message(item))
        return html

    def _home_view(self, person: Person, place: Place) -> dict[str, Any] | None:
        return self.standin.home_view(person.id, SANDBOX_TEAM) if place.kind == "home" else None

    def _unread(self, seen: Seen, person: Person, place: Place) -> int:
        """Messages in `place` newer than the person last saw there."""
        if place.kind == "home":
            return 0
        last = self._seen.get(self._seen_key(person, place), 0.0)
        return sum(1 for item in seen.items_in(place) if item.shown_at > last)

    def _modal_sig(self, modal: dict[str, Any] | None) -> str:
        """Changes when the open modal must be drawn again: another view, a views.update, field
        errors, search results (not while the person types)."""
        if modal is None:
            return ""
        view_id = str(modal["id"])
        extra = json.dumps(
            [self._errors.get(view_id), repr(self._suggestions.get(view_id))],
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(extra.encode()).hexdigest()[:12]
        return f"{view_id}:{modal['hash']}:{digest}"

    async def live_answer(self, request: Request, response: Response) -> Response:
        """An action's answer for the page's script: the parts, with the notes it left."""
        if not isinstance(response, LiveBack):
            return response
        place = place_for(self.standin, response.person, response.channel)
        found = await self.parts(response.person, place, focus=response.focus, notes=True)
        return JSONResponse(found, headers={"Cache-Control": "no-store"})

    async def stream(self, request: Request) -> Response:
        """Server-sent events for one person in one place: the parts now, then on every change."""
        person = person_for(request.query_params.get("user"))
        place = place_for(self.standin, person, request.query_params.get("channel"))
        if place.id == HOME:
            # Slack tells the app each time someone opens its Home tab.
            self._background(self._open_home(person))
        return StreamingResponse(
            self._events(request, person, place),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def _events(self, request: Request, person: Person, place: Place) -> AsyncIterator[str]:
        sent: str | None = None
        started = quiet_since = time.monotonic()
        while time.monotonic() - started < STREAM_SECONDS and not self._stopping:
            wake = self._wake
            version = self._version()
            if version != sent:
                sent = version
                found = await self.parts(person, place)
                yield f"event: parts\ndata: {json.dumps(found)}\n\n"
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
                yield ": keepalive\n\n"
                quiet_since = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), STREAM_TICK)

    def _background(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
