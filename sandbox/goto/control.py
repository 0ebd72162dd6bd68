"""/_sandbox/*: JSON endpoints to play live sessions, move the clock, revoke tokens and inspect state.

GoTo has nothing like these; they exist so tests, benchmarks and the try-it mode can make things
happen that in real life need a human running a webinar.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from jinja2 import Environment
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .records import Event, Fault, Registrant, SandboxError, Session, Webinar, iso
from .scenario import AttendeeSpec, Scenario, TimeRangeSpec, resolve_time
from .state import DEFAULT_REGISTRATION_LIMIT, SandboxState, dump_event, time_range

PREFIX = "/_sandbox"
M = TypeVar("M", bound=BaseModel)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartSession(_Body):
    """Start a session; with duration_minutes it is played to the end at once."""

    start: str | None = None
    polls: list[str] | None = None
    attendees: list[AttendeeSpec] = Field(default_factory=list)
    duration_minutes: float | None = None


class AddAttendees(_Body):
    """Who attended (minutes or parts, relative to the session start) and their poll answers."""

    attendees: list[AttendeeSpec]


class EndSession(_Body):
    """End a session now, at an explicit time, or after a duration from its start."""

    end: str | None = None
    duration_minutes: float | None = None


class MoveClock(_Body):
    """Move the sandbox clock."""

    advance_seconds: float | None = None
    set: str | None = None


class TokenFilter(_Body):
    """Which connections to act on; no filter means all."""

    client_id: str | None = None
    email: str | None = None
    refresh_token: str | None = None
    access_token: str | None = None


class ChangeSettings(_Body):
    """Runtime knobs (any subset)."""

    token_includes_identity: bool | None = None
    rotate_refresh_tokens: bool | None = None
    access_token_lifetime_seconds: int | None = None
    refresh_token_lifetime_seconds: int | None = None
    authorization_code_lifetime_seconds: int | None = None
    report_delay_seconds: int | None = None
    training_registrant_lag_seconds: int | None = None
    omit_empty_embedded: bool | None = None
    rate_limit_per_second: float | None = None
    latency_seconds: float | None = None


class AddFault(_Body):
    """Fail the next `count` API requests whose path contains `path_contains`."""

    status: int = Field(ge=400, le=599)
    count: int = Field(default=1, ge=1)
    path_contains: str = ""
    body: dict[str, Any] | None = None


class Reset(_Body):
    """Reload the current scenario, or switch to an inline one."""

    scenario: dict[str, Any] | None = None


class AddEvent(_Body):
    """Add an upcoming webinar or training to an account, as if its organizer created it."""

    organizer: str = Field(description="the account's email")
    subject: str = Field(min_length=1, max_length=128)
    description: str = ""
    times: list[TimeRangeSpec] = Field(min_length=1)
    time_zone: str | None = Field(default=None, description="default: the organizer's")
    registration_limit: int | None = Field(default=None, ge=1, description="webinars only")


class CancelEvent(_Body):
    """Cancel (or un-cancel) a webinar or training."""

    cancelled: bool = True


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _parse(request: Request, model: type[M]) -> M:
    raw = await request.body()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as err:
        raise ControlError(400, err.errors(include_url=False, include_context=False)) from None


class ControlError(Exception):
    """A control request that cannot be done; answered as {"error": detail}."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(status)
        self.status = status
        self.detail = detail


class ControlApi:
    """The sandbox's own control plane."""

    def __init__(self, state: SandboxState, templates: Environment) -> None:
        self.state = state
        self.templates = templates

    def routes(self) -> list[Route]:
        """Starlette routes under /_sandbox."""
        ev = PREFIX + "/{product}/{eventKey}"
        return [
            Route(PREFIX + "/state", self.dump, methods=["GET"]),
            Route(PREFIX + "/requests", self.request_log, methods=["GET"]),
            Route(PREFIX + "/reset", self.reset, methods=["POST"]),
            Route(PREFIX + "/clock", self.get_clock, methods=["GET"]),
            Route(PREFIX + "/clock", self.move_clock, methods=["POST"]),
            Route(PREFIX + "/settings", self.change_settings, methods=["POST"]),
            Route(PREFIX + "/tokens/revoke", self.revoke, methods=["POST"]),
            Route(PREFIX + "/tokens/expire", self.expire, methods=["POST"]),
            Route(PREFIX + "/faults", self.add_fault, methods=["POST"]),
            Route(PREFIX + "/faults", self.clear_faults, methods=["DELETE"]),
            Route(
                PREFIX + "/join/{product}/{eventKey}/{registrantKey}", self.join, methods=["GET"]
            ),
            Route(
                PREFIX + "/confirmation/{product}/{eventKey}/{registrantKey}",
                self.confirmation,
                methods=["GET"],
            ),
            Route(PREFIX + "/{product}", self.add_event, methods=["POST"]),
            Route(ev + "/cancel", self.cancel, methods=["POST"]),
            Route(ev + "/sessions", self.start_session, methods=["POST"]),
            Route(ev + "/sessions/{sessionKey}/attendees", self.add_attendees, methods=["POST"]),
            Route(ev + "/sessions/{sessionKey}/end", self.end_session, methods=["POST"]),
        ]

    # ------------------------------------------------------------------ lookups

    def _event(self, request: Request) -> Event:
        product = request.path_params["product"]
        raw = request.path_params["eventKey"]
        key = int(raw) if raw.isdigit() else -1
        event: Event | None
        if product in ("webinars", "webinar"):
            event = self.state.webinars.get(key)
        elif product in ("trainings", "training"):
            event = self.state.trainings.get(key)
        else:
            raise ControlError(404, f"unknown product {product!r}: use webinars or trainings")
        if event is None:
            raise ControlError(404, f"no {product} with key {raw}")
        return event

    def _session(self, request: Request, event: Event) -> Session:
        raw = request.path_params["sessionKey"]
        session = self.state.find_session(event, int(raw)) if raw.isdigit() else None
        if session is None:
            raise ControlError(404, f"no session {raw}")
        return session

    def _time(self, text: str) -> datetime:
        try:
            return resolve_time(text, self.state.clock.now())
        except ValueError:
            raise ControlError(400, f"not a time: {text!r}") from None

    def _session_json(self, event: Event, session: Session) -> dict[str, Any]:
        now = self.state.clock.now()
        key_name, key = (
            ("webinarKey", event.webinar_key)
            if isinstance(event, Webinar)
            else ("trainingKey", event.training_key)
        )
        emails = {r.registrant_key: r.email for r in event.registrants.values()}
        return {
            "sessionKey": str(session.session_key),
            key_name: str(key),
            "startTime": iso(session.start),
            "endTime": iso(session.end) if session.end else None,
            "polls": session.polls,
            "attendees": [
                {
                    "registrantKey": str(a.registrant_key),
                    "email": emails.get(a.registrant_key),
                    "attendanceTimeInSeconds": a.seconds(session.end or now),
                    "poll_answers": a.poll_answers,
                }
                for a in session.attendance.values()
            ],
        }

    # ------------------------------------------------------------------ state & clock

    async def dump(self, request: Request) -> Response:
        """GET /_sandbox/state: everything except secrets and token values."""
        return JSONResponse(self.state.dump())

    async def request_log(self, request: Request) -> Response:
        """GET /_sandbox/requests: the API requests seen (method, path, status, client_id)."""
        return JSONResponse({"requests": list(self.state.requests)})

    async def reset(self, request: Request) -> Response:
        """POST /_sandbox/reset: back to the scenario's start (clock untouched)."""

        body = await _parse(request, Reset)
        scenario = None
        if body.scenario is not None:
            try:
                scenario = Scenario.model_validate(body.scenario)
            except ValidationError as err:
                raise ControlError(
                    400, err.errors(include_url=False, include_context=False)
                ) from None
        self.state.reset(scenario)
        return JSONResponse({"reset": True, "scenario": self.state.scenario.name})

    async def get_clock(self, request: Request) -> Response:
        """GET /_sandbox/clock."""
        return JSONResponse({"now": iso(self.state.clock.now())})

    async def move_clock(self, request: Request) -> Response:
        """POST /_sandbox/clock {"advance_seconds": N} or {"set": "2030-01-01T00:00:00Z"}."""

        body = await _parse(request, MoveClock)
        if body.set is not None:
            self.state.clock.set(self._time(body.set))
        if body.advance_seconds is not None:
            self.state.clock.advance(body.advance_seconds)
        return JSONResponse({"now": iso(self.state.clock.now())})

    async def change_settings(self, request: Request) -> Response:
        """POST /_sandbox/settings: change runtime knobs; answers all settings."""

        body = await _parse(request, ChangeSettings)
        for name, value in body.model_dump(exclude_unset=True).items():
            setattr(self.state.settings, name, value)
        return JSONResponse(dict(self.state.settings.__dict__))

    # ------------------------------------------------------------------ tokens & faults

    async def revoke(self, request: Request) -> Response:
        """POST /_sandbox/tokens/revoke: kill connections (refresh and access tokens)."""

        body = await _parse(request, TokenFilter)
        grants = self.state.matching_grants(**body.model_dump())
        for grant in grants:
            grant.revoked = True
        return JSONResponse({"revoked": len(grants)})

    async def expire(self, request: Request) -> Response:
        """POST /_sandbox/tokens/expire: access tokens answer InvalidToken; refresh still works."""

        body = await _parse(request, TokenFilter)
        grants = self.state.matching_grants(**body.model_dump())
        return JSONResponse({"expired": self.state.expire_access_tokens(grants)})

    async def add_fault(self, request: Request) -> Response:
        """POST /_sandbox/faults: make the next matching API requests fail."""

        body = await _parse(request, AddFault)
        self.state.faults.append(
            Fault(body.status, body.count, body.path_contains, body.body or {})
        )
        return JSONResponse({"faults": len(self.state.faults)}, status_code=201)

    async def clear_faults(self, request: Request) -> Response:
        """DELETE /_sandbox/faults."""
        self.state.faults.clear()
        return Response(status_code=204)

    # ------------------------------------------------------------------ sessions

    async def add_event(self, request: Request) -> Response:
        """POST /_sandbox/{webinars|trainings}: add an event; answers its key and dump."""

        product = request.path_params["product"]
        if product not in ("webinars", "trainings"):
            raise ControlError(404, f"unknown product {product!r}: use webinars or trainings")
        body = await _parse(request, AddEvent)
        account = self.state.account_by_email(body.organizer)
        if account is None:
            raise ControlError(400, f"no account {body.organizer}")
        now = self.state.clock.now()
        try:
            times = [time_range(t, now) for t in body.times]
        except ValueError as exc:
            raise ControlError(400, str(exc)) from None
        zone = body.time_zone or account.time_zone
        event: Event
        if product == "webinars":
            event = self.state.add_webinar(
                account.organizer_key,
                subject=body.subject,
                description=body.description,
                times=times,
                time_zone=zone,
                registration_limit=body.registration_limit or DEFAULT_REGISTRATION_LIMIT,
            )
        else:
            if body.registration_limit is not None:
                raise ControlError(400, "GoToTraining has no registration limit")
            event = self.state.add_training(
                account.organizer_key,
                name=body.subject,
                description=body.description,
                times=times,
                time_zone=zone,
            )
        return JSONResponse(dump_event(event, now), status_code=201)

    async def cancel(self, request: Request) -> Response:
        """POST /_sandbox/{webinars|trainings}/{key}/cancel {"cancelled": true}."""

        event = self._event(request)
        body = await _parse(request, CancelEvent)
        event.cancelled = body.cancelled
        return JSONResponse({"cancelled": event.cancelled})

    async def start_session(self, request: Request) -> Response:
        """POST /_sandbox/{webinars|trainings}/{key}/sessions: start (or play) a session."""

        event = self._event(request)
        body = await _parse(request, StartSession)
        start = self._time(body.start) if body.start else None
        session = self.state.start_session(event, body.polls, start=start)
        try:
            self.state.record_attendance(event, session, body.attendees)
        except SandboxError:
            event.sessions.remove(session)
            raise
        if body.duration_minutes is not None:
            self.state.end_session(event, session, _after(session, body.duration_minutes))
        return JSONResponse(self._session_json(event, session), status_code=201)

    async def add_attendees(self, request: Request) -> Response:
        """POST …/sessions/{sk}/attendees: record attendance and poll answers."""

        event = self._event(request)
        session = self._session(request, event)
        body = await _parse(request, AddAttendees)
        self.state.record_attendance(event, session, body.attendees)
        return JSONResponse(self._session_json(event, session))

    async def end_session(self, request: Request) -> Response:
        """POST …/sessions/{sk}/end: the session ends; reports show it from then on."""

        event = self._event(request)
        session = self._session(request, event)
        body = await _parse(request, EndSession)
        end = None
        if body.end is not None:
            end = self._time(body.end)
        elif body.duration_minutes is not None:
            end = _after(session, body.duration_minutes)
        self.state.end_session(event, session, end)
        return JSONResponse(self._session_json(event, session))

    # ------------------------------------------------------------------ pages for join links

    async def join(self, request: Request) -> Response:
        """GET /_sandbox/join/…: what a registrant's join link opens; joins a live session."""
        found = self._registration(request)
        if isinstance(found, Response):
            return found
        event, registrant = found
        session = self.state.join_now(event, registrant)
        html = self.templates.get_template("join.html").render(
            title=_title(event), name=registrant.first_name, joined=session is not None
        )
        return HTMLResponse(html)

    async def confirmation(self, request: Request) -> Response:
        """GET /_sandbox/confirmation/…: a GoToTraining registration's confirmation page."""
        found = self._registration(request)
        if isinstance(found, Response):
            return found
        event, registrant = found
        return HTMLResponse(
            self.templates.get_template("join.html").render(
                title=f"You are registered for {_title(event)}",
                name=registrant.first_name,
                joined=False,
            )
        )

    def _registration(self, request: Request) -> tuple[Event, Registrant] | Response:
        """The event and registration a link names, or the 404 page a browser gets instead."""
        try:
            event = self._event(request)
        except ControlError as err:
            return HTMLResponse(str(err.detail), status_code=404)
        raw = request.path_params["registrantKey"]
        registrant = event.registrants.get(int(raw)) if raw.isdigit() else None
        if registrant is None:
            return HTMLResponse("Unknown registration.", status_code=404)
        return event, registrant


def _title(event: Event) -> str:
    return event.subject if isinstance(event, Webinar) else event.name


def _after(session: Session, minutes: float) -> datetime:
    return session.start + timedelta(minutes=minutes)
