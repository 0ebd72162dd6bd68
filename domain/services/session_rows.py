"""Reading sessions as `SessionView`s in one statement: lists, App Home and instructor alerts.

`sessions.list_sessions` and its kin add an actor's visibility (rule 6); nothing here applies an actor's visibility (rule 6): callers
choose the sessions themselves (the ones a person teaches, is registered on, or administers; the
one an alert is about).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from domain import mrkdwn
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    LocationKind,
    Session,
    SessionStatus,
    Team,
    TrackingRule,
)

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


# A session shorter than this shows its end as a time only.
SHORT = timedelta(hours=12)


def span(view: SessionView, day: str = "{date_short_pretty}") -> str:
    """Start and end in the reader's time zone (Slack's `day` token for the date): the end as a
    time only when the session is short."""
    start = mrkdwn.date(view.starts_at, f"{day} {{time}}")
    short = view.ends_at - view.starts_at < SHORT
    end = mrkdwn.date(view.ends_at, "{time}" if short else f"{day} {{time}}")
    return f"{start} \N{EN DASH} {end}"


def seats(view: SessionView) -> str:
    """Registrations against the session's capacity."""
    capacity = view.capacity
    return f"{view.registered} registered" + (f" of {capacity}" if capacity is not None else "")


def seated_count() -> Any:
    """The number of enrollments holding a seat on the row's session (a correlated subquery)."""
    return (
        select(func.count())
        .where(
            col(Enrollment.session_id) == col(Session.id),
            col(Enrollment.status).in_([s.value for s in SEATED]),
        )
        .scalar_subquery()
    )


def views_query(*extra: Any) -> Select[Any]:
    """Session, element, owner team, location and seats taken, then `extra` columns; callers add
    joins, conditions and order."""
    # SQLAlchemy's own select: sqlmodel's takes at most four entities.
    return (
        sa_select(Session, LearningElement, Team, Location, seated_count(), *extra)
        .join(LearningElement, col(LearningElement.id) == col(Session.element_id))
        .join(Team, col(Team.id) == col(LearningElement.owner_team_id))
        .join(Location, col(Location.id) == col(Session.location_id))
    )


def view_of(row: Any) -> SessionView:
    """The view of one row of `views_query`."""
    session: Session = row[0]
    element: LearningElement = row[1]
    team: Team = row[2]
    location: Location = row[3]
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
        registered=int(row[4] or 0),
    )


def by_id(session_id: int) -> ColumnElement[bool]:
    """The condition for one session."""
    return col(Session.id) == session_id
