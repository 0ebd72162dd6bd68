"""What App Home shows of sessions: a learner's registrations, the sessions someone teaches, and
(for its admins) the active team's upcoming sessions. One statement for all three lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import false, or_
from sqlmodel import col, select

from domain.actor import Actor
from domain.models import Enrollment, EnrollmentStatus, LearningElement, Session, SessionStatus
from domain.ports import UnitOfWork
from domain.services.session_rows import SessionView, view_of, views_query
from domain.types import utcnow

T = TypeVar("T")

# Enrollments a learner sees on Home: registered, or queued for GoTo.
SHOWN = (EnrollmentStatus.PENDING, EnrollmentStatus.REGISTERED)


@dataclass(frozen=True)
class Registration:
    """A learner's enrollment on an upcoming session."""

    view: SessionView
    status: EnrollmentStatus
    join_url: str | None


@dataclass(frozen=True)
class Listed(Generic[T]):
    """The first `limit` items of a list and how many there are in all."""

    items: list[T] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        """How many were left out."""
        return self.total - len(self.items)


@dataclass(frozen=True)
class HomeSessions:
    """The sessions on one person's Home tab, soonest first; `team` is None for someone who
    does not administer their active team."""

    registrations: Listed[Registration]
    teaching: Listed[SessionView]
    team: Listed[SessionView] | None


async def home_sessions(
    uow: UnitOfWork, actor: Actor, *, now: datetime | None = None, limit: int = 10
) -> HomeSessions:
    """The actor's registrations (pending or registered), the sessions they teach, and the active
    team's if they administer it: scheduled sessions that have not ended, at most `limit` of each.

    One statement however many sessions and enrollments there are.
    """
    when = now or utcnow()
    team = actor.active_team
    admin_team = team.id if team is not None and team.id is not None else None
    if admin_team is not None and not actor.is_admin_of(admin_team):
        admin_team = None
    mine = (
        select(Enrollment.session_id, Enrollment.status, Enrollment.join_url)
        .where(
            col(Enrollment.workspace_id) == actor.workspace_id,
            col(Enrollment.user_id) == actor.user_id,
            col(Enrollment.status).in_([s.value for s in SHOWN]),
        )
        .subquery()
    )
    rows = await uow.session.execute(
        views_query(mine.c.status, mine.c.join_url)
        .outerjoin(mine, mine.c.session_id == col(Session.id))
        .where(
            col(Session.workspace_id) == actor.workspace_id,
            col(Session.status) == SessionStatus.SCHEDULED,
            col(Session.ends_at) > when,
            or_(
                mine.c.session_id.is_not(None),
                col(Session.instructor_id) == actor.user_id,
                col(LearningElement.owner_team_id) == admin_team
                if admin_team is not None
                else false(),
            ),
        )
        .order_by(col(Session.starts_at), col(Session.id))
    )
    registrations: list[Registration] = []
    teaching: list[SessionView] = []
    owned: list[SessionView] = []
    for row in rows.all():
        view = view_of(row)
        status, join_url = row[-2], row[-1]
        if status is not None:
            registrations.append(Registration(view, EnrollmentStatus(status), join_url))
        if view.instructor_id == actor.user_id:
            teaching.append(view)
        if admin_team is not None and row[1].owner_team_id == admin_team:
            owned.append(view)
    return HomeSessions(
        registrations=Listed(registrations[:limit], len(registrations)),
        teaching=Listed(teaching[:limit], len(teaching)),
        team=Listed(owned[:limit], len(owned)) if admin_team is not None else None,
    )
