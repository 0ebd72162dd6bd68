"""Use cases for sessions: schedule one (checked against GoTo), list the upcoming ones, show one.

Visibility follows PRODUCT.md rule 6: a learner sees the sessions at active locations available
to one of their teams; admins of the team that owns a session's learning element also see it at
an inactive location, and an instructor always sees the sessions they teach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from domain import mrkdwn
from domain.actor import Actor
from domain.errors import EventProblem, EventRejected, FieldErrors, NotFound
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    LocationKind,
    LocationTeam,
    Session,
    SessionStatus,
    Team,
    TrackingRule,
)
from domain.ports import EventFacts, GoToEvents, UnitOfWork
from domain.rules import ConnectionState, connection_status, matches_search
from domain.session_rules import (
    FIELDS,
    CleanSession,
    SessionForm,
    event_noun,
    key_hint,
    time_errors,
    validate_session,
)
from domain.types import utcnow

_Row = TypeVar("_Row", LearningElement, Location)

# Enrollments that hold a seat.
SEATED = (
    EnrollmentStatus.PENDING,
    EnrollmentStatus.REGISTERED,
    EnrollmentStatus.IN_PROGRESS,
    EnrollmentStatus.COMPLETE,
    EnrollmentStatus.NOT_ATTENDED,
)


@dataclass(frozen=True)
class SessionView:
    """A session as shown to people."""

    id: int
    element_id: int
    element_title: str
    team: str
    location_id: int
    location_name: str
    location_kind: LocationKind
    location_active: bool
    instructor_id: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    max_learners: int | None
    location_max_learners: int | None
    goto_product: LocationKind | None
    goto_event_key: str | None
    tracking: TrackingRule
    status: SessionStatus
    registered: int

    @property
    def capacity(self) -> int | None:
        """How many learners may register: the tighter of the session's and location's limits."""
        limits = [n for n in (self.max_learners, self.location_max_learners) if n is not None]
        return min(limits) if limits else None


@dataclass(frozen=True)
class CreatedSession:
    """A saved session and what the admin should be told about it."""

    session: Session
    notes: list[str]


async def create_session(
    uow: UnitOfWork,
    actor: Actor,
    form: SessionForm,
    *,
    goto: GoToEvents,
    now: datetime | None = None,
) -> CreatedSession:
    """Schedule a session of one of the active team's learning elements (its admins only).

    Every field is checked first; at a GoTo location the event key is then checked against GoTo
    (rule 4) before anything is saved. Times left blank come from GoTo's event. Raises
    FieldErrors keyed by the modal's block ids.
    """
    team = actor.require_admin_of_active()
    assert team.id is not None
    when = now or utcnow()
    element = await _in_workspace(uow, LearningElement, form.element_id, actor.workspace_id)
    location = await _in_workspace(uow, Location, form.location_id, actor.workspace_id)
    team_ids: set[int] = set()
    if location is not None:
        rows = await uow.session.execute(
            select(LocationTeam.team_id).where(LocationTeam.location_id == location.id)
        )
        team_ids = {int(team_id) for (team_id,) in rows.all()}
    clean, errors = validate_session(
        form,
        element=element,
        location=location,
        location_team_ids=team_ids,
        active_team_id=team.id,
        now=when,
    )
    if clean is None:
        raise _field_errors(errors)
    assert location is not None
    notes: list[str] = []
    starts_at, ends_at = clean.starts_at, clean.ends_at
    if clean.goto_event_key is not None:
        facts = await _checked_event(location, clean.goto_event_key, goto, when)
        starts_at, ends_at, notes = _times_with(clean, facts)
        if starts_at is None or ends_at is None:
            blank = "starts_at" if starts_at is None else "ends_at"
            raise _field_errors(
                {blank: f"GoTo's {event_noun(location.kind)} has no time; choose one here."}
            )
        later = time_errors(starts_at, ends_at, now=when)
        if later:
            raise _field_errors(later)
        limit = facts.registration_limit
        if limit is not None and (clean.max_learners is None or clean.max_learners > limit):
            notes.append(f"GoTo takes at most {limit:,} registrations for this event.")
    assert starts_at is not None and ends_at is not None
    session = Session(
        workspace_id=actor.workspace_id,
        element_id=clean.element_id,
        location_id=clean.location_id,
        instructor_id=clean.instructor_id,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=clean.timezone,
        max_learners=clean.max_learners,
        goto_product=clean.goto_product,
        goto_event_key=clean.goto_event_key,
        tracking=clean.tracking,
        created_by=actor.user_id,
    )
    uow.session.add(session)
    await uow.session.flush()
    return CreatedSession(session, notes)


async def schedulable_locations(uow: UnitOfWork, actor: Actor) -> list[Location]:
    """The locations the active team may schedule sessions at (rule 6): active ones whose team
    availability includes it, by name. What the session modal's `location` field offers."""
    team = actor.require_admin_of_active()
    available = select(LocationTeam.location_id).where(col(LocationTeam.team_id) == team.id)
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
    return (await _upcoming(uow, actor, query, now=now))[:limit]


@dataclass(frozen=True)
class SessionPage:
    """The first `limit` matching sessions and how many matched in all."""

    views: list[SessionView]
    total: int


async def page_sessions(
    uow: UnitOfWork,
    actor: Actor,
    query: str = "",
    *,
    now: datetime | None = None,
    limit: int = 20,
) -> SessionPage:
    """A page of `list_sessions` (what `/vilt sessions` shows), with the total. One statement."""
    found = await _upcoming(uow, actor, query, now=now)
    return SessionPage(found[:limit], len(found))


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
    return SessionPage(found[:limit], len(found))


async def _upcoming(
    uow: UnitOfWork,
    actor: Actor,
    query: str,
    *,
    now: datetime | None,
    owner_team_id: int | None = None,
) -> list[SessionView]:
    """Visible scheduled sessions that have not ended, soonest first, matching `query`."""
    when = now or utcnow()
    conditions = [col(Session.status) == SessionStatus.SCHEDULED, col(Session.ends_at) > when]
    if owner_team_id is not None:
        conditions.append(col(LearningElement.owner_team_id) == owner_team_id)
    found = await _views(uow, actor, *conditions)
    wanted = query.strip()
    return [
        view
        for view, description in found
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
    uow: UnitOfWork, actor: Actor, *conditions: ColumnElement[bool]
) -> list[tuple[SessionView, str]]:
    """Visible sessions meeting `conditions`, soonest first, with their location's description."""
    seated = (
        select(Enrollment.session_id, func.count().label("seated"))
        .where(
            col(Enrollment.workspace_id) == actor.workspace_id,
            col(Enrollment.status).in_([s.value for s in SEATED]),
        )
        .group_by(col(Enrollment.session_id))
        .subquery()
    )
    # SQLAlchemy's own select: sqlmodel's takes at most four entities.
    query = (
        sa_select(Session, LearningElement, Team, Location, func.coalesce(seated.c.seated, 0))
        .join(LearningElement, col(LearningElement.id) == col(Session.element_id))
        .join(Team, col(Team.id) == col(LearningElement.owner_team_id))
        .join(Location, col(Location.id) == col(Session.location_id))
        .outerjoin(seated, seated.c.session_id == col(Session.id))
        .where(_visible(actor), *conditions)
        .order_by(col(Session.starts_at), col(Session.id))
    )
    rows = await uow.session.execute(query)
    return [
        (_view(session, element, team, location, int(count)), location.description)
        for session, element, team, location, count in rows.all()
    ]


def _view(
    session: Session, element: LearningElement, team: Team, location: Location, registered: int
) -> SessionView:
    assert session.id is not None and location.id is not None
    return SessionView(
        id=session.id,
        element_id=session.element_id,
        element_title=element.title,
        team=team.name,
        location_id=location.id,
        location_name=location.name,
        location_kind=location.kind,
        location_active=location.active,
        instructor_id=session.instructor_id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        timezone=session.timezone,
        max_learners=session.max_learners,
        location_max_learners=location.max_learners,
        goto_product=session.goto_product,
        goto_event_key=session.goto_event_key,
        tracking=session.tracking,
        status=session.status,
        registered=registered,
    )


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


async def _checked_event(
    location: Location, key: str, goto: GoToEvents, now: datetime
) -> EventFacts:
    """GoTo's facts about the event, or field errors saying what to do (rules 3 and 4)."""
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
        raise _field_errors(
            {
                "goto_event": f"{mrkdwn.bold(location.name)} is not linked to a {kind.label} "
                f"account yet; link it with {link}, then save the session."
            }
        )
    if status.state in (ConnectionState.EXPIRED, ConnectionState.FAILED):
        raise _field_errors({"goto_event": _relink(location, link)})
    try:
        facts = await goto.check_event(location, key)
    except EventRejected as exc:
        raise _field_errors({"goto_event": _rejection(exc.problem, location, key, link)}) from None
    if facts.product != kind:
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
