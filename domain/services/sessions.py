"""Use cases for sessions: schedule one (checked against GoTo), list the upcoming ones, show one.

Visibility follows PRODUCT.md rule 6: a learner sees the sessions at active locations available
to one of their teams; admins of the team that owns a session's learning element also see it at
an inactive location, and an instructor always sees the sessions they teach.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from domain import mrkdwn
from domain.actor import Actor
from domain.errors import (
    DomainError,
    EventProblem,
    EventRejected,
    FieldErrors,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    LocationKind,
    LocationTeam,
    Notice,
    Session,
    SessionStatus,
    Team,
)
from domain.names import name_key
from domain.ports import EventFacts, GoToEvents, UnitOfWork
from domain.rules import ConnectionState, connection_status, matches_search
from domain.services.elements import clean_title, create_element
from domain.services.linking import UnitsOfWork
from domain.services.notices import enqueue_new_notices
from domain.services.session_alerts import (
    instructor_assigned,
    instructor_unassigned,
    session_cancelled,
)
from domain.services.session_rows import SEATED, SessionView, view_of, views_query
from domain.session_rules import (
    FIELDS,
    CleanSession,
    SessionForm,
    event_noun,
    key_hint,
    validate_session,
)
from domain.types import utcnow

_Row = TypeVar("_Row", LearningElement, Location)


@dataclass(frozen=True)
class CreatedSession:
    """A saved session and what the admin should be told about it."""

    session: Session
    notes: list[str]


async def create_session(
    units: UnitsOfWork,
    actor: Actor,
    form: SessionForm,
    *,
    goto: GoToEvents,
    create_event: bool = False,
    goto_timeout: float | None = None,
    now: datetime | None = None,
) -> CreatedSession:
    """Schedule a session of one of the active team's learning elements (its admins only).

    In three steps, none holding a transaction while GoTo is asked (rules 3 and 4): every field
    is checked in one short transaction; at a GoTo location the event key is then checked with
    GoTo (or, with `create_event`, the event is created there); the session is saved in a new
    transaction that checks the form again. Times left blank come from GoTo's event. Raises
    FieldErrors keyed by the modal's block ids, and nothing is saved.
    """
    team = actor.require_admin_of_active()
    assert team.id is not None
    when = now or utcnow()
    async with units() as uow:
        plan = await _plan(uow, actor, form, team_id=team.id, now=when, create_event=create_event)
    answer = await _ask_goto(plan, goto, now=when, create_event=create_event, within=goto_timeout)
    async with _keeping_created(plan, answer, create_event), units() as uow:
        plan = await _plan(
            uow, actor, _with_answer(form, answer), team_id=team.id, now=when, create_event=False
        )
        fields = _fields(plan.clean, answer)
        if plan.new_element is not None:
            element = await create_element(uow, actor, plan.new_element)
            fields["element_id"] = element.id
        session = Session(workspace_id=actor.workspace_id, created_by=actor.user_id, **fields)
        uow.session.add(session)
        await uow.session.flush()
        assert session.id is not None
        await instructor_assigned(uow, session.id, by_user_id=actor.user_id)
        await uow.commit()
    return CreatedSession(session, answer.notes)


@asynccontextmanager
async def _keeping_created(plan: _Plan, answer: _GoToAnswer, created: bool) -> AsyncIterator[None]:
    """When GoTo created an event and the session then cannot be saved, say which event exists
    now, so that the admin schedules with its key instead of creating another."""
    try:
        yield
    except DomainError as exc:
        if not created or answer.key is None:
            raise
        noun = event_noun(plan.location.kind)
        reason = "; ".join(exc.errors.values()) if isinstance(exc, FieldErrors) else exc.message
        raise InvalidInput(
            f"GoTo created the {noun} {mrkdwn.code(answer.key)}, but the session was not "
            f"saved: {reason} Schedule it with that key rather than creating another {noun}."
        ) from exc


async def check_session_form(
    units: UnitsOfWork,
    actor: Actor,
    form: SessionForm,
    *,
    session_id: int | None = None,
    create_event: bool = False,
    now: datetime | None = None,
) -> None:
    """Check a form without asking GoTo or saving (FieldErrors, NotAllowed…), in one short
    transaction: what the modal answers at once before GoTo creates an event."""
    when = now or utcnow()
    async with units() as uow:
        if session_id is None:
            team = actor.require_admin_of_active()
            assert team.id is not None
            plan = await _plan(
                uow, actor, form, team_id=team.id, now=when, create_event=create_event
            )
        else:
            session, element = await editable_session(uow, actor, session_id)
            plan = await _plan(
                uow,
                actor,
                replace(form, new_element=""),
                team_id=element.owner_team_id,
                now=when,
                create_event=create_event,
                saved=session,
            )
            await _check_move(
                uow,
                session,
                form,
                create_event=create_event,
                max_learners=plan.clean.max_learners,
            )
    if create_event and plan.location.kind.is_goto:
        _check_connection(plan.location, when)


@dataclass(frozen=True)
class EditedSession:
    """A changed session, and what alerts need: who taught it before (to tell them)."""

    session: Session
    previous_instructor_id: str
    notes: list[str]

    @property
    def instructor_changed(self) -> bool:
        """Whether the session has another instructor now."""
        return self.session.instructor_id != self.previous_instructor_id


async def edit_session(
    units: UnitsOfWork,
    actor: Actor,
    session_id: int,
    form: SessionForm,
    *,
    goto: GoToEvents,
    create_event: bool = False,
    goto_timeout: float | None = None,
    now: datetime | None = None,
) -> EditedSession:
    """Change a scheduled session (admins of its element's owner team), like create_session.

    GoTo is asked again only when the event key or the location changes (or a time is left
    blank). A session with registrations stays at its location and event: moving it is a field
    error saying why.
    """
    when = now or utcnow()
    form = replace(form, new_element="")  # the edit modal chooses among existing elements
    async with units() as uow:
        session, element = await editable_session(uow, actor, session_id)
        plan = await _plan(
            uow,
            actor,
            form,
            team_id=element.owner_team_id,
            now=when,
            create_event=create_event,
            saved=session,
        )
        await _check_move(
            uow, session, form, create_event=create_event, max_learners=plan.clean.max_learners
        )
    moved = (
        create_event
        or plan.clean.location_id != session.location_id
        or plan.clean.goto_event_key != session.goto_event_key
        or plan.clean.starts_at is None
        or plan.clean.ends_at is None
    )
    if moved:
        answer = await _ask_goto(
            plan, goto, now=when, create_event=create_event, within=goto_timeout
        )
    else:
        answer = _GoToAnswer(plan.clean.goto_event_key, plan.clean.starts_at, plan.clean.ends_at)
    async with _keeping_created(plan, answer, create_event), units() as uow:
        session, element = await editable_session(uow, actor, session_id)
        changed = _with_answer(form, answer)
        plan = await _plan(
            uow, actor, changed, team_id=element.owner_team_id, now=when, saved=session
        )
        await _check_move(
            uow, session, changed, create_event=False, max_learners=plan.clean.max_learners
        )
        previous = session.instructor_id
        for name, value in _fields(plan.clean, answer).items():
            setattr(session, name, value)
        await uow.session.flush()
        if session.instructor_id != previous:
            await instructor_unassigned(uow, session_id, previous)
            await instructor_assigned(uow, session_id, by_user_id=actor.user_id)
        await uow.commit()
    return EditedSession(session, previous, answer.notes)


@dataclass(frozen=True)
class CancelledSession:
    """A cancelled session and the learners told (by DM, through the outbox)."""

    session: Session
    element_title: str
    learners: list[str]


async def cancel_session(
    uow: UnitOfWork, actor: Actor, session_id: int, *, now: datetime | None = None
) -> CancelledSession:
    """Cancel a scheduled session (admins of its element's owner team): its enrollments are
    cancelled and every registered learner is told by DM, exactly once."""
    when = now or utcnow()
    session, element = await editable_session(uow, actor, session_id)
    if session.status is SessionStatus.CANCELLED:
        raise InvalidInput(
            f"Session `#{session_id}` ({mrkdwn.bold(element.title)}) is already cancelled."
        )
    if session.ends_at <= when:
        raise InvalidInput(
            f"Session `#{session_id}` ({mrkdwn.bold(element.title)}) is over; only upcoming "
            "sessions can be cancelled."
        )
    location = await uow.session.get(Location, session.location_id)
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = when
    enrolled = (
        (
            await uow.session.execute(
                select(Enrollment).where(
                    col(Enrollment.session_id) == session_id,
                    col(Enrollment.status).in_([s.value for s in SEATED]),
                )
            )
        )
        .scalars()
        .all()
    )
    where = f" ({mrkdwn.bold(location.name)})" if location is not None else ""
    text = (
        f":no_entry: Session `#{session_id}` of {mrkdwn.bold(element.title)}{where}, "
        f"{mrkdwn.date(session.starts_at, '{date_short_pretty} at {time}')}, was cancelled by {mrkdwn.user(actor.user_id)}. Your "
        "registration is cancelled; `/vilt sessions` shows other sessions to register for."
    )
    learners: list[str] = []
    for enrollment in enrolled:
        enrollment.status = EnrollmentStatus.CANCELLED
        learners.append(enrollment.user_id)
    await enqueue_new_notices(
        uow,
        [
            Notice(
                workspace_id=session.workspace_id,
                kind="registration_cancelled",
                channel=learner,
                text=text,
                dedupe_key=f"session_cancelled:{session_id}:{learner}",
                next_attempt_at=when,
            )
            for learner in learners
        ],
    )
    await uow.session.flush()
    await session_cancelled(uow, session_id, by_user_id=actor.user_id)
    return CancelledSession(session, element.title, learners)


async def editable_session(
    uow: UnitOfWork, actor: Actor, session_id: int
) -> tuple[Session, LearningElement]:
    """The session and its element, provided the actor administers the element's owner team."""
    session = await uow.session.get(Session, session_id)
    if session is None or session.workspace_id != actor.workspace_id:
        raise NotFound(f"There is no session `#{session_id}`. `/vilt session list` shows them.")
    element = await uow.session.get(LearningElement, session.element_id)
    assert element is not None
    if not actor.is_admin_of(element.owner_team_id):
        team = await uow.session.get(Team, element.owner_team_id)
        raise NotAllowed(
            f"Only admins of team {mrkdwn.bold(team.name if team else 'unknown')}, which owns "
            f"{mrkdwn.bold(element.title)}, can change its sessions."
        )
    return session, element


async def edit_form(uow: UnitOfWork, actor: Actor, session_id: int) -> SessionForm:
    """A scheduled session as the edit modal shows it (its admins only)."""
    session, element = await editable_session(uow, actor, session_id)
    if session.status is not SessionStatus.SCHEDULED:
        raise InvalidInput(
            f"Session `#{session_id}` ({mrkdwn.bold(element.title)}) is {session.status.value}; "
            "only scheduled sessions can be changed."
        )
    return SessionForm(
        element_id=session.element_id,
        location_id=session.location_id,
        instructor_id=session.instructor_id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        timezone=session.timezone,
        max_learners=str(session.max_learners) if session.max_learners is not None else "",
        goto_event=session.goto_event_key or "",
        tracking=session.tracking.value,
    )


async def picker_location(uow: UnitOfWork, actor: Actor, location_id: int) -> Location | None:
    """The GoTo location whose upcoming events the modal's event picker may list: active, in the
    actor's workspace and available to a team the actor administers; else None."""
    location = await uow.session.get(Location, location_id)
    if (
        location is None
        or location.workspace_id != actor.workspace_id
        or not location.active
        or not location.kind.is_goto
    ):
        return None
    rows = await uow.session.execute(
        select(LocationTeam.team_id).where(col(LocationTeam.location_id) == location_id)
    )
    teams = [int(team_id) for (team_id,) in rows.all()]
    return location if any(actor.is_admin_of(t) for t in teams) else None


async def element_options(uow: UnitOfWork, actor: Actor, team_id: int) -> list[LearningElement]:
    """A team's learning elements by title: what the session modal's `element` field offers."""
    rows = await uow.session.execute(
        select(LearningElement)
        .where(
            col(LearningElement.workspace_id) == actor.workspace_id,
            col(LearningElement.owner_team_id) == team_id,
        )
        .order_by(col(LearningElement.title_key))
    )
    return list(rows.scalars().all())


@dataclass(frozen=True)
class _Plan:
    """A form checked against the database: what asking GoTo and saving need."""

    clean: CleanSession
    location: Location
    element_title: str
    # Set when the form adds a learning element: saving creates it first.
    new_element: str | None = None


@dataclass(frozen=True)
class _GoToAnswer:
    """The event key and times to save, and what the admin should be told about them."""

    key: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    notes: list[str] = field(default_factory=list)


async def _plan(
    uow: UnitOfWork,
    actor: Actor,
    form: SessionForm,
    *,
    team_id: int,
    now: datetime,
    create_event: bool = False,
    saved: Session | None = None,
) -> _Plan:
    """Check every field with the rows it names, and the location's GoTo connection."""
    if saved is not None and saved.status is not SessionStatus.SCHEDULED:
        raise InvalidInput(
            f"Session `#{saved.id}` is {saved.status.value}; only scheduled sessions can be "
            "changed."
        )
    element = await _in_workspace(uow, LearningElement, form.element_id, actor.workspace_id)
    new_title: str | None = None
    title_problem: str | None = None
    if element is None and form.element_id is None and form.new_element.strip():
        new_title, title_problem = await _new_element_title(uow, form.new_element, team_id)
        # Stands for the element that saving adds to the team's catalog.
        element = LearningElement(
            id=0,
            workspace_id=actor.workspace_id,
            owner_team_id=team_id,
            title=new_title or "",
            title_key="",
            created_by=actor.user_id,
        )
    location = await _in_workspace(uow, Location, form.location_id, actor.workspace_id)
    team_ids: set[int] = set()
    if location is not None:
        rows = await uow.session.execute(
            select(LocationTeam.team_id).where(LocationTeam.location_id == location.id)
        )
        team_ids = {int(t) for (t,) in rows.all()}
    clean, errors = validate_session(
        form,
        element=element,
        location=location,
        location_team_ids=team_ids,
        active_team_id=team_id,
        now=now,
        create_event=create_event,
        saved_start=saved.starts_at if saved is not None else None,
    )
    if title_problem:
        errors["new_element"] = title_problem
    if clean is None or errors:
        raise _field_errors(errors)
    assert element is not None and location is not None
    return _Plan(clean, location, element.title, new_title)


async def _new_element_title(
    uow: UnitOfWork, raw: str, team_id: int
) -> tuple[str | None, str | None]:
    """A new learning element's title for the team, or why it cannot be added."""
    try:
        title = clean_title(raw)
    except InvalidInput as exc:
        return None, exc.message
    taken = (
        await uow.session.execute(
            select(LearningElement.id).where(
                col(LearningElement.owner_team_id) == team_id,
                col(LearningElement.title_key) == name_key(title),
            )
        )
    ).first()
    if taken is not None:
        return None, (
            f"Your team already has a learning element called {mrkdwn.bold(title)}; "
            "choose it above instead."
        )
    return title, None


async def _check_move(
    uow: UnitOfWork,
    session: Session,
    form: SessionForm,
    *,
    create_event: bool,
    max_learners: int | None = None,
) -> None:
    """A session with registrations keeps its location and GoTo event, and room for each
    learner registered (`max_learners` is the form's clean value)."""
    new_key = "" if create_event else form.goto_event.strip()
    moves_location = form.location_id != session.location_id
    moves_event = new_key != (session.goto_event_key or "")
    if not (moves_location or moves_event or max_learners is not None):
        return
    seated = (
        await uow.session.execute(
            select(func.count())
            .select_from(Enrollment)
            .where(
                col(Enrollment.session_id) == session.id,
                col(Enrollment.status).in_([s.value for s in SEATED]),
            )
        )
    ).scalar_one()
    if not seated:
        return
    people = f"{seated} learner{'s are' if seated != 1 else ' is'} registered"
    if max_learners is not None and max_learners < seated:
        raise _field_errors(
            {
                "max_learners": f"{people} already, so the session needs room for at least "
                f"{seated:,}; enter {seated:,} or more, or leave it empty."
            }
        )
    if not (moves_location or moves_event):
        return
    advice = "cancel it and schedule a new session instead."
    if moves_location:
        raise _field_errors(
            {"location": f"{people} at this session's location, so it stays there; {advice}"}
        )
    raise _field_errors(
        {"goto_event": f"{people} on GoTo for this session's event, so it keeps it; {advice}"}
    )


async def _ask_goto(
    plan: _Plan,
    goto: GoToEvents,
    *,
    now: datetime,
    create_event: bool,
    within: float | None,
) -> _GoToAnswer:
    """Check the event key with GoTo, or create the event; no transaction is open."""
    clean, location = plan.clean, plan.location
    if not location.kind.is_goto:
        return _GoToAnswer(None, clean.starts_at, clean.ends_at)
    _check_connection(location, now)
    if create_event:
        assert clean.starts_at is not None and clean.ends_at is not None
        facts = await _created_event(plan, goto)
        noun = event_noun(location.kind)
        note = (
            f"GoTo created the {noun} {mrkdwn.code(facts.key)} "
            f"({mrkdwn.escape(facts.subject)}) for this session."
        )
        return _GoToAnswer(facts.key, clean.starts_at, clean.ends_at, [note])
    assert clean.goto_event_key is not None
    facts = await _checked_event(location, clean.goto_event_key, goto, within)
    starts_at, ends_at, notes = _times_with(clean, facts)
    if starts_at is None or ends_at is None:
        blank = "starts_at" if starts_at is None else "ends_at"
        raise _field_errors(
            {blank: f"GoTo's {event_noun(location.kind)} has no time; choose one here."}
        )
    limit = facts.registration_limit
    if limit is not None and (clean.max_learners is None or clean.max_learners > limit):
        notes.append(f"GoTo takes at most {limit:,} registrations for this event.")
    return _GoToAnswer(facts.key, starts_at, ends_at, notes)


async def _created_event(plan: _Plan, goto: GoToEvents) -> EventFacts:
    """Create the session's event on GoTo; a failure says plainly whether it may exist."""
    clean, location = plan.clean, plan.location
    assert clean.starts_at is not None and clean.ends_at is not None
    noun = event_noun(location.kind)
    try:
        return await goto.create_event(
            location,
            subject=plan.element_title,
            starts_at=clean.starts_at,
            ends_at=clean.ends_at,
            timezone=clean.timezone,
        )
    except EventRejected as exc:
        link = mrkdwn.code(f"/vilt location link {location.name}")
        if exc.problem is EventProblem.OUTCOME_UNKNOWN:
            message = (
                f"GoTo did not answer the request to create the {noun}, so GoTo may or may not "
                f"have created it, and no session was saved. Check your {location.kind.label} "
                f"account before trying again: if the {noun} is there, schedule the session "
                "with its key."
            )
        elif exc.problem is EventProblem.NOT_CREATED:
            message = (
                f"GoTo refused to create the {noun}: {mrkdwn.escape(str(exc.message))} "
                "No session was saved."
            )
        elif exc.problem is EventProblem.NEEDS_RELINK:
            message = f"{_relink(location, link)} No {noun} was created and no session saved."
        else:
            message = (
                f"GoTo did not answer, so no {noun} was created and no session saved. "
                "Try again in a minute."
            )
        raise EventRejected(exc.problem, message) from exc


async def schedulable_locations(
    uow: UnitOfWork, actor: Actor, team_id: int | None = None
) -> list[Location]:
    """The locations the active team (or `team_id`, which the actor administers) may schedule
    sessions at (rule 6): active ones whose team availability includes it, by name. What the
    session modal's `location` field offers."""
    if team_id is None:
        team_id = actor.require_admin_of_active().id
    elif not actor.is_admin_of(team_id):
        raise NotAllowed("Only the team's admins can schedule its sessions.")
    available = select(LocationTeam.location_id).where(col(LocationTeam.team_id) == team_id)
    rows = await uow.session.execute(
        select(Location)
        .where(
            col(Location.workspace_id) == actor.workspace_id,
            col(Location.active),
            col(Location.id).in_(available),
        )
        .order_by(col(Location.name_key), col(Location.id))
    )
    return list(rows.scalars().all())


async def list_sessions(
    uow: UnitOfWork,
    actor: Actor,
    query: str = "",
    *,
    now: datetime | None = None,
    limit: int = 50,
) -> list[SessionView]:
    """Upcoming scheduled sessions the actor may see, soonest first, filtered by `#tag` (of the
    location's description) or text (of the element's title or the location's name).

    One statement however many sessions there are.
    """
    return [view for view, _ in (await _upcoming(uow, actor, query, now=now))[:limit]]


@dataclass(frozen=True)
class MySeat:
    """The viewer's own registration on a listed session: queued for GoTo, or registered
    (with the join link when known)."""

    queued: bool
    join_url: str | None


@dataclass(frozen=True)
class SessionPage:
    """The first `limit` matching sessions and how many matched in all; `seats` holds the
    viewer's own registrations among them, by session id (`page_sessions` only)."""

    views: list[SessionView]
    total: int
    seats: dict[int, MySeat] = field(default_factory=dict)


async def page_sessions(
    uow: UnitOfWork,
    actor: Actor,
    query: str = "",
    *,
    now: datetime | None = None,
    limit: int = 20,
) -> SessionPage:
    """A page of `list_sessions` (what `/vilt sessions` shows), with the total and the actor's
    own registrations on the page. One statement."""
    found = await _upcoming(uow, actor, query, now=now, seats_of=actor.user_id)
    page = found[:limit]
    seats = {view.id: seat for view, seat in page if seat is not None}
    return SessionPage([view for view, _ in page], len(found), seats)


async def team_sessions(
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    limit: int = 20,
) -> SessionPage:
    """The active team's upcoming scheduled sessions, also at inactive locations (its admins only).

    One statement however many sessions there are.
    """
    team = actor.require_admin_of_active()
    found = await _upcoming(uow, actor, "", now=now, owner_team_id=team.id)
    return SessionPage([view for view, _ in found[:limit]], len(found))


async def _upcoming(
    uow: UnitOfWork,
    actor: Actor,
    query: str,
    *,
    now: datetime | None,
    owner_team_id: int | None = None,
    seats_of: str | None = None,
) -> list[tuple[SessionView, MySeat | None]]:
    """Visible scheduled sessions that have not ended, soonest first, matching `query`; with
    `seats_of`, that person's registration on each (in the same statement)."""
    when = now or utcnow()
    conditions = [col(Session.status) == SessionStatus.SCHEDULED, col(Session.ends_at) > when]
    if owner_team_id is not None:
        conditions.append(col(LearningElement.owner_team_id) == owner_team_id)
    found = await _views(uow, actor, *conditions, seats_of=seats_of)
    wanted = query.strip()
    return [
        (view, seat)
        for view, description, seat in found
        if matches_search(
            wanted, tags_from=description, texts=(view.element_title, view.location_name)
        )
    ]


async def describe(uow: UnitOfWork, actor: Actor, session_id: int) -> SessionView:
    """One session the actor may see (also a past or cancelled one), or NotFound."""
    found = await _views(uow, actor, col(Session.id) == session_id)
    if not found:
        raise NotFound("There is no such session, or it is not open to your teams.")
    return found[0][0]


def _visible(actor: Actor) -> ColumnElement[bool]:
    """Which sessions the actor sees (rule 6), within their workspace."""
    team_ids = sorted(actor.teams)
    admin_of = sorted(t for t in team_ids if actor.is_admin_of(t))
    available = select(LocationTeam.location_id).where(col(LocationTeam.team_id).in_(team_ids))
    at_usable_location = (
        col(Location.active)
        if actor.is_workspace_admin
        else and_(col(Location.active), col(Location.id).in_(available))
    )
    return and_(
        col(Session.workspace_id) == actor.workspace_id,
        or_(
            at_usable_location if team_ids or actor.is_workspace_admin else false(),
            col(LearningElement.owner_team_id).in_(admin_of),
            col(Session.instructor_id) == actor.user_id,
        ),
    )


async def _views(
    uow: UnitOfWork, actor: Actor, *conditions: ColumnElement[bool], seats_of: str | None = None
) -> list[tuple[SessionView, str, MySeat | None]]:
    """Visible sessions meeting `conditions`, soonest first, with their location's description
    and (with `seats_of`) that person's seat on each, all in one statement."""
    mine = aliased(Enrollment)
    if seats_of is None:
        query = views_query()
    else:
        query = views_query(mine.status, mine.join_url).outerjoin(
            mine,
            and_(
                col(mine.session_id) == col(Session.id),
                col(mine.user_id) == seats_of,
                col(mine.status).in_([s.value for s in SEATED]),
            ),
        )
    query = query.where(_visible(actor), *conditions)
    rows = await uow.session.execute(query.order_by(col(Session.starts_at), col(Session.id)))
    found: list[tuple[SessionView, str, MySeat | None]] = []
    for row in rows.all():
        seat: MySeat | None = None
        if seats_of is not None and row[5] is not None:
            seat = MySeat(EnrollmentStatus(row[5]) is EnrollmentStatus.PENDING, row[6])
        found.append((view_of(row), row[3].description, seat))
    return found


async def _in_workspace(
    uow: UnitOfWork, model: type[_Row], row_id: int | None, workspace_id: str
) -> _Row | None:
    if row_id is None:
        return None
    row = await uow.session.get(model, row_id)
    return row if row is not None and row.workspace_id == workspace_id else None


def _field_errors(errors: dict[str, str]) -> FieldErrors:
    """FieldErrors in the order the modal shows its fields."""
    return FieldErrors({name: errors[name] for name in FIELDS if name in errors})


def _check_connection(location: Location, now: datetime) -> None:
    """A field error when the location's GoTo account cannot be asked now (rule 3)."""
    problem = _connection_problem(location, now)
    if problem:
        raise _field_errors({"goto_event": problem})


def _connection_problem(location: Location, now: datetime) -> str | None:
    """Why the location's GoTo account cannot be asked now (rule 3), naming the command."""
    kind = location.kind
    link = mrkdwn.code(f"/vilt location link {location.name}")
    status = connection_status(
        kind=kind,
        linked_email=location.goto_email,
        expires_at=location.connection_expires_at,
        error=location.connection_error,
        now=now,
    )
    if status.state is ConnectionState.NOT_LINKED:
        return (
            f"{mrkdwn.bold(location.name)} is not linked to a {kind.label} account yet; link it "
            f"with {link}, then save the session."
        )
    if status.state in (ConnectionState.EXPIRED, ConnectionState.FAILED):
        return _relink(location, link)
    return None


async def _checked_event(
    location: Location, key: str, goto: GoToEvents, within: float | None
) -> EventFacts:
    """GoTo's facts about the event, or field errors saying what to do (rule 4)."""
    link = mrkdwn.code(f"/vilt location link {location.name}")
    try:
        facts = await asyncio.wait_for(goto.check_event(location, key), within)
    except EventRejected as exc:
        raise _field_errors({"goto_event": _rejection(exc.problem, location, key, link)}) from None
    except TimeoutError:
        raise _field_errors(
            {
                "goto_event": "GoTo did not answer in time, so nothing was saved. "
                "Submit again in a minute."
            }
        ) from None
    if facts.product != location.kind:
        raise _field_errors(
            {"goto_event": _rejection(EventProblem.OTHER_PRODUCT, location, key, link)}
        )
    if facts.cancelled:
        raise _field_errors({"goto_event": _rejection(EventProblem.CANCELLED, location, key, link)})
    return facts


def _relink(location: Location, link: str) -> str:
    return (
        f"The GoTo connection of {mrkdwn.bold(location.name)} has lapsed; link it again with "
        f"{link}, then save the session."
    )


def _rejection(problem: EventProblem, location: Location, key: str, link: str) -> str:
    kind = location.kind
    noun = event_noun(kind)
    other = (
        LocationKind.GOTOTRAINING if kind is LocationKind.GOTOWEBINAR else LocationKind.GOTOWEBINAR
    )
    if problem is EventProblem.NOT_FOUND:
        return (
            f"The {kind.label} account linked to {mrkdwn.bold(location.name)} has no {noun} "
            f"with key {mrkdwn.code(key)}; enter {key_hint(kind)}."
        )
    if problem is EventProblem.OTHER_PRODUCT:
        return (
            f"{mrkdwn.code(key)} is not a {kind.label} key, and {mrkdwn.bold(location.name)} is "
            f"a {kind.label} location: enter a {noun}'s key, or choose a {other.label} location "
            f"for a {event_noun(other)}."
        )
    if problem is EventProblem.CANCELLED:
        return f"The {noun} {mrkdwn.code(key)} was cancelled on GoTo; choose another."
    if problem is EventProblem.NEEDS_RELINK:
        return _relink(location, link)
    return "GoTo did not answer; nothing was saved. Try again in a minute."


def _with_answer(form: SessionForm, answer: _GoToAnswer) -> SessionForm:
    """The form with GoTo's key and times filled in, to be checked again before saving."""
    return replace(
        form,
        goto_event=answer.key or "",
        starts_at=answer.starts_at,
        ends_at=answer.ends_at,
    )


def _fields(clean: CleanSession, answer: _GoToAnswer) -> dict[str, Any]:
    """The columns a session takes from a checked form and GoTo's answer."""
    assert answer.starts_at is not None and answer.ends_at is not None
    return {
        "element_id": clean.element_id,
        "location_id": clean.location_id,
        "instructor_id": clean.instructor_id,
        "starts_at": answer.starts_at,
        "ends_at": answer.ends_at,
        "timezone": clean.timezone,
        "max_learners": clean.max_learners,
        "goto_product": clean.goto_product,
        "goto_event_key": answer.key,
        "tracking": clean.tracking,
    }


def _times_with(
    clean: CleanSession, facts: EventFacts
) -> tuple[datetime | None, datetime | None, list[str]]:
    """The session's times, blanks filled from GoTo's event, and what the admin should know."""
    noun = event_noun(facts.product)
    starts_at = clean.starts_at or facts.starts_at
    ends_at = clean.ends_at or facts.ends_at
    notes: list[str] = []
    if (clean.starts_at is None and facts.starts_at) or (clean.ends_at is None and facts.ends_at):
        notes.append(f"Times left blank were taken from GoTo's {noun}.")
    given = [
        (mine, theirs)
        for mine, theirs in ((clean.starts_at, facts.starts_at), (clean.ends_at, facts.ends_at))
        if mine is not None and theirs is not None
    ]
    if any(mine != theirs for mine, theirs in given) and facts.starts_at and facts.ends_at:
        notes.append(
            f"These times differ from GoTo's {noun} "
            f"({_span(facts.starts_at, facts.ends_at, clean.timezone)}); the session keeps "
            f"yours. Change the {noun} on GoTo if its registrants should see them too."
        )
    return starts_at, ends_at, notes


def _span(starts_at: datetime, ends_at: datetime, timezone: str) -> str:
    zone = ZoneInfo(timezone)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M} to {end_text} {timezone}"
