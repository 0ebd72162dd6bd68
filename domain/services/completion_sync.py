"""Attendance sync: GoTo's attendance and poll answers of finished sessions → enrollment status.

A run of one session has three steps, so that no transaction stays open while GoTo is asked and a
run that fails half way changes nothing:
1. *claim* (one short transaction): take the session's lease (`Session.sync_lease_until`), which
   a second run overlapping this one cannot take, and read the session, its location and its
   learners;
2. *ask GoTo* (no transaction): the attendance of the session's GoTo sessions and, only for
   `all_polls_answered` learners who attended and whom sync may still move, their poll answers —
   none for learners already final, none again for a learner whose attendance did not change
   since their answers were read;
3. *apply* (one transaction, still holding the lease): statuses move forward only
   (`domain.completion_rules.next_status`), minutes and poll counts are stored, walk-ins
   replaced; learners who completed get a DM; after the final run (or once every enrollment is
   final) the completion report is queued for the owner team's channel and the instructor.
Exactly once rests on the lease and on the notices' dedupe keys: ``report:<session>:<channel>:<n>``
(``n`` numbers the messages of a long report) and ``completed:<enrollment>``.

While the location's GoTo connection has lapsed or failed, its sessions' sync pauses: they are
not claimed, GoTo is not asked and no run is counted; once the location is re-linked the due
runs (the final one too, however late) happen by themselves. The report says why it waits.

A run whose GoTo read fails stores only why (`Session.sync_error`) and when to try again
(`RETRY_AFTER_FAILURE`); it does not count as a run, so the final run still happens.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, or_, update
from sqlmodel import col, select

from domain import mrkdwn
from domain.actor import Actor
from domain.completion_report import STATUS_LABELS, ReportRenderer
from domain.completion_rules import (
    RUN_AFTER_END,
    AttendanceFacts,
    AttendeeMatch,
    Learner,
    attendance_minutes,
    is_final,
    is_final_run,
    match_attendee,
    needs_poll_answers,
    next_status,
    sync_may_change,
    sync_schedule,
)
from domain.connection_rules import sync_paused
from domain.errors import AttendanceUnavailable, DomainError, InvalidInput, NotFound
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    Notice,
    Session,
    SessionStatus,
    TrackingRule,
    WalkIn,
)
from domain.ports import GoToAttendance, GoToReports, UnitOfWork
from domain.services.notices import enqueue_new_notices
from domain.services.reports import load_report
from domain.services.session_rows import SEATED

log = logging.getLogger(__name__)

Units = Callable[[], AbstractAsyncContextManager[UnitOfWork]]

# How long a run may hold a session before another may take it over (a process that died).
LEASE = timedelta(minutes=10)
# When GoTo could not be read, the session is tried again this much later.
RETRY_AFTER_FAILURE = timedelta(minutes=15)
# Poll-answer requests of one session in flight at once (GoTo's rate limit paces them anyway).
POLL_REQUESTS_AT_ONCE = 8
# Sessions synced at once per consumer key, and in all. Between a session's GoTo requests its
# key waits on the database, so each key needs about two sessions in flight to use its whole
# rate: the cap in all leaves room for that over 20 keys (bench/sync.py measures it).
SESSIONS_PER_KEY_AT_ONCE = 3
SESSIONS_AT_ONCE = 40
# Sessions one scheduled run looks at.
DUE_BATCH = 500


@dataclass(frozen=True)
class StatusChange:
    """One learner whose status a run moved."""

    enrollment_id: int
    user_id: str
    name: str
    before: EnrollmentStatus
    after: EnrollmentStatus


@dataclass(frozen=True)
class SyncResult:
    """What one run of one session did."""

    session_id: int
    title: str = ""
    ran: bool = False
    # Why the run did not happen or did not finish (GoTo unavailable, not ended, held by another).
    problem: str | None = None
    final: bool = False
    changes: tuple[StatusChange, ...] = ()
    walk_ins: int = 0
    requests: int = 0
    report_queued: bool = False
    next_run_at: datetime | None = None

    def summary(self) -> str:
        """One line for people: what changed, or why nothing did (plain text)."""
        name = f"#{self.session_id} {self.title}".rstrip()
        if not self.ran:
            return f"{name}: not synced, {self.problem or 'nothing to do'}"
        moves = Counter(STATUS_LABELS[change.after] for change in self.changes)
        moved = ", ".join(f"{n} {status}" for status, n in sorted(moves.items())) or "no changes"
        parts = [moved]
        if self.walk_ins:
            parts.append(f"{self.walk_ins} walk-in{'s' if self.walk_ins != 1 else ''}")
        parts.append(f"{self.requests} GoTo request{'s' if self.requests != 1 else ''}")
        if self.report_queued:
            parts.append("report posted")
        elif self.final:
            parts.append("final")
        return f"{name}: " + "; ".join(parts)


@dataclass
class _Claimed:
    """What a run read while taking the session."""

    session: Session
    location: Location
    title: str
    lease: datetime
    enrollments: list[Enrollment]


@dataclass
class _Read:
    """What GoTo said, ready to apply."""

    attendance: GoToAttendance
    # Whose each attendance record is: read once, used to ask for answers and to apply.
    match: AttendeeMatch
    answered: dict[int, int] = field(default_factory=dict)
    requests: int = 0


def _due_condition(now: datetime) -> Any:
    return and_(
        col(Session.status) == SessionStatus.SCHEDULED.value,
        col(Session.goto_event_key).is_not(None),
        col(Session.goto_product).is_not(None),
        col(Session.sync_done_at).is_(None),
        col(Session.ends_at) <= now - RUN_AFTER_END[0],
        or_(col(Session.next_sync_at).is_(None), col(Session.next_sync_at) <= now),
    )


def _connected(now: datetime) -> Any:
    """SQL: the location's GoTo connection has neither lapsed nor failed."""
    return and_(
        col(Location.connection_error).is_(None),
        or_(
            col(Location.connection_expires_at).is_(None), col(Location.connection_expires_at) > now
        ),
    )


def _free(now: datetime) -> Any:
    return or_(col(Session.sync_lease_until).is_(None), col(Session.sync_lease_until) < now)


async def due_sessions(
    units: Units, *, now: datetime, limit: int = DUE_BATCH
) -> list[tuple[int, str]]:
    """Sessions whose next run is due and that no run holds, with their consumer key, oldest
    end first (one statement)."""
    async with units() as uow:
        rows = await uow.session.execute(
            select(col(Session.id), col(Location.consumer_key))
            .join(Location, col(Location.id) == col(Session.location_id))
            .where(_due_condition(now), _free(now), _connected(now))
            .order_by(col(Session.ends_at), col(Session.id))
            .limit(limit)
        )
        return [(session_id, str(key or "")) for session_id, key in rows.all() if session_id]


async def sync_session(
    units: Units,
    session_id: int,
    *,
    goto: GoToReports,
    renderer: ReportRenderer,
    now: datetime,
    by_hand: bool = False,
    lease: timedelta = LEASE,
) -> SyncResult:
    """Run sync for one session: when due, or `by_hand` at any time after its end. The session
    is held for `lease`; a run that has not finished by then is taken over by another."""
    claimed = await _claim(units, session_id, now=now, by_hand=by_hand, lease=lease)
    if isinstance(claimed, SyncResult):
        return claimed
    try:
        read = await _ask_goto(goto, claimed)
    except AttendanceUnavailable as exc:
        await _failed(units, claimed, exc.message, now=now)
        log.info("sync of session %s: GoTo not read (%s)", session_id, exc.problem.value)
        return SyncResult(session_id, claimed.title, problem=exc.message)
    except BaseException:
        await _release(units, claimed)
        raise
    return await _apply(units, claimed, read, renderer=renderer, now=now)


async def sync_due(
    units: Units,
    *,
    goto: GoToReports,
    renderer: ReportRenderer,
    now: datetime,
    limit: int = DUE_BATCH,
    lease: timedelta = LEASE,
) -> list[SyncResult]:
    """Run every due session once: a few sessions of each consumer key at a time (GoTo limits
    each key's rate), keys side by side. One session's failure never stops the others."""
    due = await due_sessions(units, now=now, limit=limit)
    everyone = asyncio.Semaphore(SESSIONS_AT_ONCE)
    per_key: dict[str, asyncio.Semaphore] = {}
    results: dict[int, SyncResult] = {}

    async def one(session_id: int, key: str) -> None:
        lane = per_key.setdefault(key, asyncio.Semaphore(SESSIONS_PER_KEY_AT_ONCE))
        async with lane, everyone:
            try:
                results[session_id] = await sync_session(
                    units, session_id, goto=goto, renderer=renderer, now=now, lease=lease
                )
            except DomainError as exc:
                results[session_id] = SyncResult(session_id, problem=exc.message)
            except Exception:
                log.exception("sync of session %s failed; it will run again", session_id)
                results[session_id] = SyncResult(session_id, problem="an unexpected error")

    async with asyncio.TaskGroup() as group:
        for session_id, key in due:
            group.create_task(one(session_id, key))
    return [results[session_id] for session_id, _ in due if session_id in results]


# Sessions `/vilt sync` without a number runs by hand, at most.
BY_HAND_AT_MOST = 20


async def by_hand_targets(
    uow: UnitOfWork, actor: Actor, session_id: int | None, *, now: datetime
) -> list[int]:
    """The sessions an admin may sync by hand: the one named (an admin of its owner team), or
    the active team's ended GoTo sessions whose final run is not done (one statement)."""
    query = (
        select(col(Session.id), col(LearningElement.owner_team_id), col(Session.ends_at))
        .join(LearningElement, col(LearningElement.id) == col(Session.element_id))
        .where(col(Session.workspace_id) == actor.workspace_id)
    )
    if session_id is not None:
        found = (await uow.session.execute(query.where(col(Session.id) == session_id))).first()
        if found is None or not actor.is_admin_of(found[1]):
            raise NotFound(f"There is no session #{session_id} of a team you are an admin of.")
        if now < found[2]:
            raise InvalidInput(
                f"Session #{session_id} has not ended yet: sync reads GoTo's attendance after "
                "the end (on its own, from 30 minutes after it)."
            )
        return [session_id]
    team = actor.require_admin_of_active()
    rows = await uow.session.execute(
        query.where(
            col(LearningElement.owner_team_id) == team.id,
            col(Session.status) == SessionStatus.SCHEDULED.value,
            col(Session.goto_event_key).is_not(None),
            col(Session.sync_done_at).is_(None),
            col(Session.ends_at) <= now,
        )
        .order_by(col(Session.ends_at).desc(), col(Session.id))
        .limit(BY_HAND_AT_MOST)
    )
    return [row[0] for row in rows.all() if row[0] is not None]


# --- 1. claim --------------------------------------------------------------------------------


async def _claim(
    units: Units, session_id: int, *, now: datetime, by_hand: bool, lease: timedelta
) -> _Claimed | SyncResult:
    held_until = now + lease
    async with units() as uow:
        found = (
            await uow.session.execute(
                select(Session, Location, LearningElement)
                .join(Location, col(Location.id) == col(Session.location_id))
                .join(LearningElement, col(LearningElement.id) == col(Session.element_id))
                .where(col(Session.id) == session_id)
            )
        ).first()
        if found is None:
            raise NotFound(f"There is no session #{session_id}.")
        session, location, element = found
        title = element.title
        refusal = _not_syncable(session, now=now, by_hand=by_hand) or sync_paused(location, now)
        if refusal is not None:
            return SyncResult(session_id, title, problem=refusal)
        condition = [col(Session.id) == session_id, _free(now)]
        if not by_hand:
            condition.append(_due_condition(now))
        taken = await uow.session.execute(
            update(Session).where(*condition).values(sync_lease_until=held_until)
        )
        if _rowcount(taken) != 1:
            return SyncResult(session_id, title, problem="another sync run is on it")
        enrollments = list(
            (
                await uow.session.execute(
                    select(Enrollment)
                    .where(
                        col(Enrollment.session_id) == session_id,
                        # Seated learners are matched; one who left and came anyway is a walk-in.
                        col(Enrollment.status).in_([s.value for s in SEATED]),
                    )
                    .order_by(col(Enrollment.id))
                )
            ).scalars()
        )
        await uow.commit()
    return _Claimed(session, location, title, held_until, enrollments)


def _not_syncable(session: Session, *, now: datetime, by_hand: bool) -> str | None:
    if session.status is SessionStatus.CANCELLED:
        return "the session was cancelled"
    if session.goto_event_key is None or session.goto_product is None:
        return "the session has no GoTo event (a classroom session)"
    if now < session.ends_at:
        return "the session has not ended yet"
    if not by_hand and session.sync_done_at is not None:
        return "its final sync is done"
    return None


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def _release(units: Units, claimed: _Claimed, **values: Any) -> None:
    """Give the session's lease back (if still ours), storing `values` with it."""
    async with units() as uow:
        await uow.session.execute(
            update(Session)
            .where(
                col(Session.id) == claimed.session.id,
                col(Session.sync_lease_until) == claimed.lease,
            )
            .values(sync_lease_until=None, **values)
        )
        await uow.commit()


async def _failed(units: Units, claimed: _Claimed, reason: str, *, now: datetime) -> None:
    """Keep why GoTo could not be read, and try again later."""
    await _release(units, claimed, sync_error=reason[:500], next_sync_at=now + RETRY_AFTER_FAILURE)


# --- 2. ask GoTo -----------------------------------------------------------------------------


async def _ask_goto(goto: GoToReports, claimed: _Claimed) -> _Read:
    session, location = claimed.session, claimed.location
    tracking = session.tracking
    polled = tracking is TrackingRule.ALL_POLLS_ANSWERED
    attendance = await goto.attendance(location, session, with_polls=polled)
    match = match_attendee([Learner.of(e) for e in claimed.enrollments], attendance.attendees)
    read = _Read(attendance, match, requests=attendance.requests)
    if not polled or not attendance.reported or attendance.polls_total == 0:
        return read
    wanted = []
    for enrollment in claimed.enrollments:
        records = match.records(_id(enrollment))
        if not records or not needs_poll_answers(
            enrollment.status, tracking, True, polls_total=attendance.polls_total
        ):
            continue
        unchanged = (
            enrollment.status is EnrollmentStatus.IN_PROGRESS
            and enrollment.attended_minutes == attendance_minutes(records)
            and enrollment.polls_total == attendance.polls_total
        )
        if unchanged:
            read.answered[_id(enrollment)] = enrollment.polls_answered
            continue
        wanted.append((enrollment, records))
    gate = asyncio.Semaphore(POLL_REQUESTS_AT_ONCE)

    async def answers(enrollment: Enrollment, records: Sequence[Any]) -> None:
        async with gate:
            read.answered[_id(enrollment)] = await goto.polls_answered(
                location, session, attendance, records
            )
            read.requests += sum(
                1 for r in records if r.registrant_key and attendance.polls.get(r.session_key or "")
            )

    try:
        async with asyncio.TaskGroup() as group:
            for enrollment, records in wanted:
                group.create_task(answers(enrollment, records))
    except BaseExceptionGroup as group_error:
        first = group_error.exceptions[0]
        raise first from None
    return read


def _id(enrollment: Enrollment) -> int:
    assert enrollment.id is not None
    return enrollment.id


# --- 3. apply --------------------------------------------------------------------------------


async def _apply(
    units: Units,
    claimed: _Claimed,
    read: _Read,
    *,
    renderer: ReportRenderer,
    now: datetime,
) -> SyncResult:
    session = claimed.session
    session_id = _session_id(session)
    attendance = read.attendance
    final_run = is_final_run(session.ends_at, now)
    polls_total = attendance.polls_total if attendance.reported else session.polls_total
    match = read.match
    async with units() as uow:
        # Statuses as they are now: a learner may have been unregistered since the claim.
        current = dict(
            (
                await uow.session.execute(
                    # PostgreSQL keeps the learners' rows as read until the run commits
                    # (SQLite writes one transaction at a time and leaves FOR UPDATE out).
                    select(col(Enrollment.id), col(Enrollment.status))
                    .where(col(Enrollment.session_id) == session_id)
                    .with_for_update()
                )
            ).all()
        )
        updates: list[dict[str, Any]] = []
        changes: list[StatusChange] = []
        still_open = 0
        for enrollment in claimed.enrollments:
            eid = _id(enrollment)
            if eid not in current:
                continue
            status = EnrollmentStatus(current[eid])
            if not sync_may_change(status):
                continue
            records = match.records(eid)
            answered = read.answered.get(eid, enrollment.polls_answered if records else 0)
            facts = (
                AttendanceFacts(
                    attended=True,
                    minutes=attendance_minutes(records),
                    polls_answered=min(answered, polls_total or 0),
                    polls_total=polls_total or 0,
                )
                if records
                else None
            )
            after = next_status(status, session.tracking, facts, final_run=final_run)
            if not is_final(after):
                still_open += 1
            minutes = facts.minutes if facts else enrollment.attended_minutes
            answered_now = facts.polls_answered if facts else enrollment.polls_answered
            total_now = facts.polls_total if facts else enrollment.polls_total
            if (after, minutes, answered_now, total_now) == (
                status,
                enrollment.attended_minutes,
                enrollment.polls_answered,
                enrollment.polls_total,
            ):
                continue
            updates.append(
                {
                    "eid": eid,
                    "was": status.value,
                    "status": after.value,
                    "minutes": minutes,
                    "answered": answered_now,
                    "total": total_now,
                    "synced": now,
                }
            )
            if after is not status:
                changes.append(
                    StatusChange(eid, enrollment.user_id, enrollment.name, status, after)
                )
        done = final_run or still_open == 0
        next_run_at = None if done else sync_schedule(session.ends_at, now, 1)
        moved = await uow.session.execute(
            update(Session)
            .where(col(Session.id) == session_id, col(Session.sync_lease_until) == claimed.lease)
            .values(
                sync_lease_until=None,
                sync_runs=col(Session.sync_runs) + 1,
                last_synced_at=now,
                sync_error=None,
                polls_total=polls_total,
                next_sync_at=next_run_at,
                sync_done_at=now if done else session.sync_done_at,
                report_queued_at=now if done else session.report_queued_at,
            )
        )
        if _rowcount(moved) != 1:
            # The lease ran out and another run took the session: its result stands.
            return SyncResult(session_id, claimed.title, problem="another sync run took over")
        if updates:
            table: Any = Enrollment.__table__  # type: ignore[attr-defined]
            await uow.session.execute(
                update(table)
                .where(table.c.id == bindparam("eid"), table.c.status == bindparam("was"))
                .values(
                    status=bindparam("status"),
                    attended_minutes=bindparam("minutes"),
                    polls_answered=bindparam("answered"),
                    polls_total=bindparam("total"),
                    last_synced_at=bindparam("synced"),
                ),
                updates,
            )
        walk_ins = match.walk_ins if attendance.reported else ()
        if attendance.reported:
            await _replace_walk_ins(uow, session, walk_ins)
        notices = _completed_notices(session, claimed.title, changes)
        report_queued = False
        report = await load_report(uow, session_id) if done else None
        # A session nobody registered for nor attended has nothing to report.
        if report is not None and (report.roster or report.walk_ins):
            channels = [report.team_channel_id, report.instructor_id]
            notices += _report_notices(
                report.workspace_id, session_id, channels, renderer.messages(report)
            )
            report_queued = True
        await enqueue_new_notices(uow, notices)
        await uow.commit()
    return SyncResult(
        session_id,
        claimed.title,
        ran=True,
        final=done,
        changes=tuple(changes),
        walk_ins=len(walk_ins),
        requests=read.requests,
        report_queued=report_queued and session.report_queued_at is None,
        next_run_at=next_run_at,
    )


def _session_id(session: Session) -> int:
    assert session.id is not None
    return session.id


async def _replace_walk_ins(uow: UnitOfWork, session: Session, walk_ins: Sequence[Any]) -> None:
    await uow.session.execute(delete(WalkIn).where(col(WalkIn.session_id) == session.id))
    if walk_ins:
        table: Any = WalkIn.__table__  # type: ignore[attr-defined]
        await uow.session.execute(
            insert(table),
            [
                {
                    "workspace_id": session.workspace_id,
                    "session_id": session.id,
                    "name": w.name[:200],
                    "email": w.email[:320],
                    "minutes": w.minutes,
                }
                for w in walk_ins
            ],
        )


def _completed_notices(
    session: Session, title: str, changes: Sequence[StatusChange]
) -> list[Notice]:
    when = mrkdwn.date(session.starts_at, "{date_long_pretty}")
    text = f"You completed {mrkdwn.bold(title)} ({when}). Well done!"
    return [
        Notice(
            workspace_id=session.workspace_id,
            kind="enrollment_completed",
            channel=change.user_id,
            text=text,
            dedupe_key=f"completed:{change.enrollment_id}",
        )
        for change in changes
        if change.after is EnrollmentStatus.COMPLETE
    ]


def _report_notices(
    workspace_id: str, session_id: int, channels: Sequence[str], messages: Sequence[Any]
) -> list[Notice]:
    notices = []
    for channel in dict.fromkeys(channels):
        for number, message in enumerate(messages, start=1):
            notices.append(
                Notice(
                    workspace_id=workspace_id,
                    kind="completion_report",
                    channel=channel,
                    text=message.text,
                    blocks_json=json.dumps([dict(b) for b in message.blocks]),
                    dedupe_key=f"report:{session_id}:{channel}:{number}",
                )
            )
    return notices
