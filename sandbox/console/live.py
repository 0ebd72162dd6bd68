"""The console, live: the page's parts rendered for one person in one place, answered to each
action the page sends with fetch, and pushed over server-sent events whenever anything changes
(a notice the job delivered, a message updated or deleted, a modal updated by views.update).

An action answers with the parts as they are once the bot acknowledged it; whatever the bot does
after that reaches the page through the person's event stream. A form posted without the page's
script (no `X-Console` header) still gets a redirect to the whole page.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from bot.bootstrap import Runtime
from sandbox.console.fields import Fields
from sandbox.console.goto_panel import ConsoleGoTo
from sandbox.console.places import HOME, Place, items_in, place_for, places
from sandbox.console.tour import tour
from sandbox.console.workspace import Person, person_for
from sandbox.goto.state import SandboxState
from sandbox.ids import SANDBOX_TEAM

# Set while an action sent by the page's script is handled: answer with parts, not a redirect.
LIVE: ContextVar[bool] = ContextVar("console_live", default=False)
LIVE_HEADER = "x-console"
STREAM_TICK = 0.025  # how often a stream looks for changes (seconds)
KEEPALIVE_SECONDS = 15.0
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
        self._changes: tuple[int, int] = (0, 0)
        self._serial = 0
        # What the GoTo panel last said to each person: shown until their next action.
        self._panel_said: dict[str, list[str]] = {}

    def _version(self) -> str:
        """Changes when anything on the page may have changed; it only grows, so the page can
        tell parts older than those it drew (an action's answer overtaken by the stream)."""
        changes = (len(self.standin.calls), self._revision)
        if changes != self._changes:
            self._changes = changes
            self._serial += 1
        return str(self._serial)

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
        self, person: Person, place: Place, *, focus: str | None = None, notes: bool = False
    ) -> dict[str, Any]:
        """Everything the page shows, as HTML per part; `notes` takes the person's pending notes
        (an action's answer shows them once, a pushed update leaves them)."""
        version = self._version()
        self._close_replaced_modals(person.id)
        items = items_in(self.feed, person, place)
        newest = max((item.shown_at for item in items), default=0.0)
        self._seen[self._seen_key(person, place)] = max(
            newest, self._seen.get(self._seen_key(person, place), 0.0)
        )
        sidebar = [(p, self._unread(person, p)) for p in places(self.standin, person)]
        modal = self.open_modal(person.id)
        modal_id = str(modal["id"]) if modal else ""
        goto = await self.goto_panel(person)
        if notes:
            said_now = self.goto_notes(person.id)
            if said_now != self._panel_said.get(person.id, []):
                # The stream draws the panel again with them, whichever answer the page drew last.
                self._panel_said[person.id] = said_now
                self._revision += 1
        goto.notes = list(self._panel_said.get(person.id, []))
        context = {
            "person": person,
            "place": place,
            "channel": place.id,
            "fields": Fields(self.standin),
            "goto": goto,
        }
        render = self._env.get_template("_live.html").make_module(vars=context)
        said = self._notes.pop(person.id, []) if notes else []
        steps = await tour(self.runtime, self.goto)
        return {
            "version": version,
            "user": person.id,
            "place": place.id,
            "title": place.title,
            "composer": "" if place.kind == "home" else place.composer_hint,
            "sidebar": str(render.sidebar(sidebar, place, person)),  # type: ignore[attr-defined]
            "messages": str(
                render.pane(items, place, self._home_view(person, place), context)  # type: ignore[attr-defined]
            ),
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
                    ),
                    context,
                )
            )
            if modal
            else "",
            "goto": str(render.goto_panel(context)),  # type: ignore[attr-defined]
            "tour": str(render.tour(steps, person)),  # type: ignore[attr-defined]
            "notes": said,
            "focus": focus or "",
        }

    def _home_view(self, person: Person, place: Place) -> dict[str, Any] | None:
        return self.standin.home_view(person.id, SANDBOX_TEAM) if place.kind == "home" else None

    def _unread(self, person: Person, place: Place) -> int:
        """Messages in `place` newer than the person last saw there."""
        if place.kind == "home":
            return 0
        seen = self._seen.get(self._seen_key(person, place), 0.0)
        return sum(1 for item in items_in(self.feed, person, place) if item.shown_at > seen)

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

    async def state(self, request: Request) -> Response:
        """The parts for a person and place (the page's first paint, and tools)."""
        person = person_for(request.query_params.get("user"))
        place = place_for(self.standin, person, request.query_params.get("channel"))
        found = await self.parts(person, place, notes=True)
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
        while time.monotonic() - started < STREAM_SECONDS:
            version = self._version()
            if version != sent:
                sent = version
                found = await self.parts(person, place)
                yield f"event: parts\ndata: {json.dumps(found)}\n\n"
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
                yield ": keepalive\n\n"
                quiet_since = time.monotonic()
            await asyncio.sleep(STREAM_TICK)

    def _background(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
