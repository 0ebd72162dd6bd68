"""Loading a session's completion report: three statements, whatever the roster's size (four
with the reader's permission checked)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from domain import mrkdwn
from domain.actor import Actor
from domain.completion_report import REPORTED, CompletionReport, RosterLine, WalkInLine
from domain.connection_rules import sync_paused
from domain.errors import NotAllowed, NotFound
from domain.models import Enrollment, LearningElement, Location, Session, Team, WalkIn
from domain.ports import UnitOfWork


async def load_report(
    uow: UnitOfWork, session_id: int, *, now: datetime | None = None
) -> CompletionReport:
    """The report of one session as its enrollments stand now (no visibility check here); with
    `now`, a report whose sync waits on a lapsed or failed GoTo connection says so."""
    found = (
        await uow.session.execute(
            select(Session, LearningElement, Location, Team)
            .join(LearningElement, col(LearningElement.id) == col(Session.element_id))
            .join(Location, col(Location.id) == col(Session.location_id))
            .join(Team, col(Team.id) == col(LearningElement.owner_team_id))
            .where(col(Session.id) == session_id)
        )
    ).first()
    if found is None:
        raise NotFound(f"There is no session #{session_id}.")
    session, element, location, team = found
    enrollments = (
        await uow.session.execute(
            select(Enrollment)
            .where(
                col(Enrollment.session_id) == session_id,
                col(Enrollment.status).in_([s.value for s in REPORTED]),
            )
            .order_by(col(Enrollment.name), col(Enrollment.id))
        )
    ).scalars()
    walk_ins = (
        await uow.session.execute(
            select(WalkIn)
            .where(col(WalkIn.session_id) == session_id)
            .order_by(col(WalkIn.name), col(WalkIn.id))
        )
    ).scalars()
    return CompletionReport(
        workspace_id=session.workspace_id,
        session_id=session_id,
        title=element.title,
        location_name=location.name,
        product=session.goto_product,
        team_channel_id=team.channel_id,
        instructor_id=session.instructor_id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        timezone=session.timezone,
        tracking=session.tracking,
        polls_total=session.polls_total,
        roster=tuple(
            RosterLine(
                user_id=e.user_id,
                name=e.name,
                email=e.email,
                status=e.status,
                minutes=e.attended_minutes,
                polls_answered=e.polls_answered,
                polls_total=e.polls_total,
            )
            for e in enrollments
        ),
        walk_ins=tuple(WalkInLine(name=w.name, email=w.email, minutes=w.minutes) for w in walk_ins),
        sync_runs=session.sync_runs,
        last_synced_at=session.last_synced_at,
        final=session.sync_done_at is not None,
        sync_error=session.sync_error,
        sync_paused=(
            sync_paused(location, now)
            if now is not None and session.sync_done_at is None and session.goto_event_key
            else None
        ),
    )


async def report_for(
    uow: UnitOfWork, actor: Actor, session_id: int, *, now: datetime | None = None
) -> CompletionReport:
    """The report of a session the actor may read: its owner team's admins and its instructor."""
    found = (
        await uow.session.execute(
            select(Session.instructor_id, LearningElement.owner_team_id, Team.name)
            .join(LearningElement, col(LearningElement.id) == col(Session.element_id))
            .join(Team, col(Team.id) == col(LearningElement.owner_team_id))
            .where(col(Session.id) == session_id, col(Session.workspace_id) == actor.workspace_id)
        )
    ).first()
    if found is not None:
        instructor_id, team_id, team_name = found
        if actor.is_admin_of(team_id) or actor.user_id == instructor_id:
            return await load_report(uow, session_id, now=now)
        if team_id in actor.teams:
            raise NotAllowed(
                f"Only admins of team {mrkdwn.bold(team_name)} and the session's instructor "
                f"can ask for the report of session `#{session_id}` or download its roster."
            )
    raise NotFound(
        f"There is no session `#{session_id}` whose report is open to you. Reports are for "
        "admins of a session's team and its instructor; `/vilt sessions` lists sessions "
        "with their numbers."
    )
