"""What App Home shows of sessions: a learner's registrations, the sessions someone teaches, and
(for its admins) the active team's upcoming sessions. One statement for all three lists, and one
for the active team's recent results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import and_, case, false, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import col

from domain.actor import Actor
from domain.completion_report import REPORTED
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Role,
    Session,
    SessionStatus,
)
from domain.ports import UnitOfWork
from domain.services.session_rows import SessionView, view_of, views_query
from domain.types import utcnow

T = TypeVar("T")

# How far back Home's "Recent results" reach.
RESULT_DAYS = 30
# Enrollments a learner sees on Home: registered, or queued for GoTo; once the session ended,
# also what sync made of them.
SHOWN = (EnrollmentStatus.PENDING, EnrollmentStatus.REGISTERED)
OUTCOMES = (
    *SHOWN,
    EnrollmentStatus.IN_PROGRESS,
    EnrollmentStatus.COMPLETE,
    EnrollmentStatus.NOT_ATTENDED,
)


@dataclass(frozen=True)
class Registration:
    """A learner's enrollment on a session: upcoming, or ended with what sync made of it."""

    view: SessionView
    status: EnrollmentStatus
    join_url: str | None
    polls_answered: int = 0
    polls_total: int = 0
    # The session's final sync is done: the status will not change any more.
    final: bool = False


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
    # The reader's sessions that ended in the last RESULT_DAYS, newest first, with their status.
    finished: Listed[Registration] = field(default_factory=Listed)


async def home_sessions(
    uow: UnitOfWork, actor: Actor, *, now: datetime | None = None, limit: int = 10
) -> HomeSessions:
    """The actor's registrations (pending or registered), the sessions they teach, and the active
    team's if they administer it: scheduled sessions that have not ended, at most `limit` of each;
    and the actor's sessions that ended in the last RESULT_DAYS with their status.

    One statement however many sessions and enrollments there are.
    """
    when = now or utcnow()
    team = actor.active_team
    admin_team = team.id if team is not None and team.id is not None else None
    if admin_team is not None and not actor.is_admin_of(admin_team):
        admin_team = None
    mine = (
        sa_select(
            col(Enrollment.session_id),
            col(Enrollment.status),
            col(Enrollment.join_url),
            col(Enrollment.polls_answered),
            col(Enrollment.polls_total),
        )
        .where(
            col(Enrollment.workspace_id) == actor.workspace_id,
            col(Enrollment.user_id) == actor.user_id,
            col(Enrollment.status).in_([s.value for s in OUTCOMES]),
        )
        .subquery()
    )
    rows = await uow.session.execute(
        views_query(mine.c.status, mine.c.join_url, mine.c.polls_answered, mine.c.polls_total)
        .outerjoin(mine, mine.c.session_id == col(Session.id))
        .where(
            col(Session.workspace_id) == actor.workspace_id,
            col(Session.status) == SessionStatus.SCHEDULED,
            or_(
                and_(
                    col(Session.ends_at) > when,
                    or_(
                        mine.c.status.in_([s.value for s in SHOWN]),
                        col(Session.instructor_id) == actor.user_id,
                        col(LearningElement.owner_team_id) == admin_team
                        if admin_team is not None
                        else false(),
                    ),
                ),
                and_(
                    col(Session.ends_at) <= when,
                    col(Session.ends_at) > when - timedelta(days=RESULT_DAYS),
                    mine.c.session_id.is_not(None),
                ),
            ),
        )
        .order_by(col(Session.starts_at), col(Session.id))
    )
    registrations: list[Registration] = []
    finished: list[Registration] = []
    teaching: list[SessionView] = []
    owned: list[SessionView] = []
    for row in rows.all():
        view = view_of(row)
        status, join_url, answered, total = row[-4:]
        if view.ends_at <= when:
            final = row[0].sync_done_at is not None
            finished.insert(
                0, Registration(view, EnrollmentStatus(status), join_url, answered, total, final)
            )
            continue
        if status in SHOWN:
            registrations.append(Registration(view, EnrollmentStatus(status), join_url))
        if view.instructor_id == actor.user_id:
            teaching.append(view)
        if admin_team is not None and row[1].owner_team_id == admin_team:
            owned.append(view)
    return HomeSessions(
        registrations=Listed(registrations[:limit], len(registrations)),
        teaching=Listed(teaching[:limit], len(teaching)),
        team=Listed(owned[:limit], len(owned)) if admin_team is not None else None,
        finished=Listed(finished[:limit], len(finished)),
    )


@dataclass(frozen=True)
class Result:
    """A session that ended recently, as its latest sync left its learners."""

    session_id: int
    title: str
    ends_at: datetime
    counts: dict[EnrollmentStatus, int]
    final: bool
    sync_error: str | None

    @property
    def total(self) -> int:
        """Learners the report counts."""
        return sum(self.counts.values())

    @property
    def percent_complete(self) -> int:
        """Complete learners as a whole percentage (0 without learners)."""
        if not self.total:
            return 0
        return round(100 * self.counts[EnrollmentStatus.COMPLETE] / self.total)


async def recent_results(
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime | None = None,
    limit: int = 10,
    days: int = RESULT_DAYS,
) -> list[Result] | None:
    """The sessions that ended in the last `days` of the active team (for its admins) and those
    the actor taught, newest first, with their learners counted by status; None for someone who
    neither administers the active team nor taught a session.

    One statement however many sessions and enrollments there are.
    """
    team = actor.active_team
    admin_team = (
        team.id if team is not None and team.id is not None and actor.is_admin_of(team.id) else None
    )
    if admin_team is None and not actor.has_role(Role.INSTRUCTOR):
        return None
    when = now or utcnow()
    status = col(Enrollment.status)
    counted = (
        sa_select(
            col(Enrollment.session_id).label("session_id"),
            *(
                func.sum(case((status == wanted.value, 1), else_=0)).label(wanted.value)
                for wanted in REPORTED
            ),
        )
        .where(status.in_([s.value for s in REPORTED]))
        .group_by(col(Enrollment.session_id))
        .subquery()
    )
    rows = await uow.session.execute(
        sa_select(
            col(Session.id),
            col(LearningElement.title),
            col(Session.ends_at),
            col(Session.sync_done_at),
            col(Session.sync_error),
            *(counted.c[wanted.value] for wanted in REPORTED),
        )
        .join(LearningElement, col(LearningElement.id) == col(Session.element_id))
        # Sessions nobody registered for have no results to show.
        .join(counted, counted.c.session_id == col(Session.id))
        .where(
            col(Session.workspace_id) == actor.workspace_id,
            or_(
                col(Session.instructor_id) == actor.user_id,
                col(LearningElement.owner_team_id) == admin_team
                if admin_team is not None
                else false(),
            ),
            col(Session.status) == SessionStatus.SCHEDULED,
            col(Session.ends_at) <= when,
            col(Session.ends_at) > when - timedelta(days=days),
        )
        .order_by(col(Session.ends_at).desc(), col(Session.id).desc())
        .limit(limit)
    )
    return [
        Result(
            session_id=row[0],
            title=row[1],
            ends_at=row[2],
            counts={wanted: int(n or 0) for wanted, n in zip(REPORTED, row[5:], strict=True)},
            final=row[3] is not None,
            sync_error=row[4],
        )
        for row in rows.all()
    ]
