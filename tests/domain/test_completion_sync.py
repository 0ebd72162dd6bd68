"""Attendance sync on a real database: statuses move forward only, reports are queued once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from domain.completion_rules import Attendee
from domain.models import Enrollment, EnrollmentStatus, Notice, Session, TrackingRule, WalkIn
from domain.services import completion_sync
from domain.services.completion_sync import SyncResult
from tests.domain.conftest import World
from tests.domain.fakes import FakeGoToReports, FakeRegistrar, FakeReportRenderer
from tests.domain.test_registration import END, LEARNERS, LEO, LUC, WEBINAR_KEY, Desk

POLLS = ("Q1", "Q2", "Q3")
FIRST_RUN = END + timedelta(minutes=30)
FINAL_RUN = END + timedelta(hours=48)


class Sync:
    """Team Alpha's webinar session with learners registered, GoTo's reports in a fake."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.goto = FakeGoToReports()
        self.renderer = FakeReportRenderer()

    async def register(self, *users: str) -> None:
        for user in users:
            await self.desk.register(user)

    async def key_of(self, user: str) -> str:
        (found,) = [e for e in await self.desk.enrollments() if e.user_id == user]
        assert found.goto_registrant_key is not None
        return found.goto_registrant_key

    async def attendee(self, user: str, *, minutes: int = 60, answered: int = 0) -> Attendee:
        key = await self.key_of(user)
        self.goto.answers[key] = answered
        return Attendee(
            email=f"{user.lower()}@acme.test",
            registrant_key=key,
            name=user,
            seconds=minutes * 60,
            session_key="S1",
        )

    async def run(self, now: datetime) -> list[SyncResult]:
        return await completion_sync.sync_due(
            self.desk.world.uow, goto=self.goto, renderer=self.renderer, now=now
        )

    async def by_hand(self, now: datetime) -> SyncResult:
        return await completion_sync.sync_session(
            self.desk.world.uow,
            self.desk.session_id,
            goto=self.goto,
            renderer=self.renderer,
            now=now,
            by_hand=True,
        )

    async def statuses(self) -> dict[str, EnrollmentStatus]:
        return {e.user_id: e.status for e in await self.desk.enrollments()}

    async def session(self) -> Session:
        return await self.desk.world.reload(Session, self.desk.session_id)

    async def notices(self, kind: str) -> list[Notice]:
        return [n for n in await self.desk.world.rows(Notice) if n.kind == kind]

    async def track_polls(self) -> None:
        async with self.desk.world.uow() as uow:
            session = await uow.session.get(Session, self.desk.session_id)
            assert session is not None
            session.tracking = TrackingRule.ALL_POLLS_ANSWERED
            uow.session.add(session)
            await uow.commit()


@pytest.fixture
async def sync(world: World) -> Sync:
    return Sync(await Desk(world, FakeRegistrar()).build())


async def test_nothing_runs_before_the_first_run_is_due(sync: Sync) -> None:
    await sync.register(LEO)
    assert await sync.run(END + timedelta(minutes=29)) == []
    assert sync.goto.calls == []


async def test_an_attendee_completes_and_is_told_and_the_absent_wait(sync: Sync) -> None:
    await sync.register(LEO, LUC)
    sync.goto.play(WEBINAR_KEY, [await sync.attendee(LEO, minutes=55)])
    (result,) = await sync.run(FIRST_RUN)
    assert result.ran and not result.final
    assert await sync.statuses() == {
        LEO: EnrollmentStatus.COMPLETE,
        LUC: EnrollmentStatus.REGISTERED,
    }
    leo = next(e for e in await sync.desk.enrollments() if e.user_id == LEO)
    assert leo.attended_minutes == 55
    (told,) = await sync.notices("enrollment_completed")
    assert told.channel == LEO and "Negotiation" in told.text
    assert await sync.notices("completion_report") == []
    session = await sync.session()
    assert session.sync_runs == 1
    assert session.next_sync_at == END + timedelta(hours=2)
    assert "1 complete" in result.summary()


async def test_the_final_run_marks_the_absent_and_queues_the_report_once(sync: Sync) -> None:
    await sync.register(LEO, LUC)
    sync.goto.play(WEBINAR_KEY, [await sync.attendee(LEO)])
    await sync.run(FIRST_RUN)
    (result,) = await sync.run(FINAL_RUN)
    assert result.final and result.report_queued
    assert (await sync.statuses())[LUC] is EnrollmentStatus.NOT_ATTENDED
    reports = await sync.notices("completion_report")
    # The team channel and the instructor.
    assert len(reports) == 2
    assert all("1 complete, 1 not_attended" in n.text for n in reports)
    assert await sync.run(FINAL_RUN + timedelta(days=3)) == []
    assert (await sync.session()).sync_done_at == FINAL_RUN


async def test_the_report_comes_early_when_everyone_is_final(sync: Sync) -> None:
    await sync.register(LEO)
    sync.goto.play(WEBINAR_KEY, [await sync.attendee(LEO)])
    (result,) = await sync.run(FIRST_RUN)
    assert result.final and result.report_queued
    assert len(await sync.notices("completion_report")) == 2


async def test_a_session_nobody_registered_for_ends_without_a_report(sync: Sync) -> None:
    sync.goto.play(WEBINAR_KEY, [])
    (result,) = await sync.run(FIRST_RUN)
    assert result.ran and result.final and not result.report_queued
    assert await sync.notices("completion_report") == []
    assert (await sync.session()).sync_done_at == FIRST_RUN


async def test_poll_answers_decide_under_all_polls_answered(sync: Sync) -> None:
    await sync.track_polls()
    await sync.register(LEO, LUC)
    sync.goto.play(
        WEBINAR_KEY,
        [await sync.attendee(LEO, answered=3), await sync.attendee(LUC, answered=2)],
        polls=POLLS,
    )
    await sync.run(FIRST_RUN)
    assert await sync.statuses() == {
        LEO: EnrollmentStatus.COMPLETE,
        LUC: EnrollmentStatus.IN_PROGRESS,
    }
    luc = next(e for e in await sync.desk.enrollments() if e.user_id == LUC)
    assert (luc.polls_answered, luc.polls_total) == (2, 3)


async def test_unchanged_attendance_costs_no_second_answers_request(sync: Sync) -> None:
    await sync.track_polls()
    await sync.register(LEO, LUC)
    sync.goto.play(
        WEBINAR_KEY,
        [await sync.attendee(LEO, answered=3), await sync.attendee(LUC, answered=2)],
        polls=POLLS,
    )
    await sync.run(FIRST_RUN)
    sync.goto.calls.clear()
    await sync.run(END + timedelta(hours=2))
    # LEO is final, LUC's attendance is what it was: only the attendance is read again.
    assert sync.goto.calls == [("attendance", WEBINAR_KEY)]


async def test_a_session_without_polls_completes_on_attendance(sync: Sync) -> None:
    await sync.track_polls()
    await sync.register(LEO)
    sync.goto.play(WEBINAR_KEY, [await sync.attendee(LEO)], polls=())
    await sync.run(FIRST_RUN)
    assert (await sync.statuses())[LEO] is EnrollmentStatus.COMPLETE
    assert [c for c in sync.goto.calls if c[0] == "answers"] == []
    assert (await sync.session()).polls_total == 0


async def test_goto_down_changes_nothing_and_retries_later(sync: Sync) -> None:
    await sync.register(LEO)
    sync.goto.play(WEBINAR_KEY, [await sync.attendee(LEO)])
    sync.goto.down = True
    (result,) = await sync.run(FIRST_RUN)
    assert not result.ran and result.problem
    assert (await sync.statuses())[LEO] is EnrollmentStatus.REGISTERED
    session = await sync.session()
    assert session.sync_runs == 0 and session.sync_error
    assert session.sync_lease_until is None
    assert await sync.run(FIRST_RUN + timedelta(minutes=5)) == []
    sync.goto.down = False
    (result,) = await sync.run(FIRST_RUN + timedelta(minutes=16))
    assert result.ran and (await sync.statuses())[LEO] is EnrollmentStatus.COMPLETE
    assert (await sync.session()).sync_error is None


async def test_a_failure_half_way_through_poll_answers_changes_nothing(sync: Sync) -> None:
    await sync.track_polls()
    await sync.register(LEO, LUC, *LEARNERS[:3])
    attendees = [await sync.attendee(u, answered=3) for u in (LEO, LUC, *LEARNERS[:3])]
    sync.goto.play(WEBINAR_KEY, attendees, polls=POLLS)
    sync.goto.fail_answers_after = 2
    (result,) = await sync.run(FIRST_RUN)
    assert not result.ran
    assert set((await sync.statuses()).values()) == {EnrollmentStatus.REGISTERED}
    assert await sync.notices("enrollment_completed") == []


async def test_walk_ins_are_kept_for_the_report(sync: Sync) -> None:
    await sync.register(LEO)
    stranger = Attendee(email="guest@elsewhere.test", name="Gus Guest", seconds=1800)
    sync.goto.play(WEBINAR_KEY, [await sync.attendee(LEO), stranger])
    (result,) = await sync.run(FIRST_RUN)
    assert result.walk_ins == 1
    (walk_in,) = await sync.desk.world.rows(WalkIn)
    assert (walk_in.name, walk_in.email, walk_in.minutes) == (
        "Gus Guest",
        "guest@elsewhere.test",
        30,
    )


async def test_statuses_never_move_back(sync: Sync) -> None:
    await sync.register(LEO)
    sync.goto.play(WEBINAR_KEY, [await sync.attendee(LEO)])
    await sync.by_hand(FIRST_RUN)
    sync.goto.play(WEBINAR_KEY, [])
    await sync.by_hand(FINAL_RUN)
    assert (await sync.statuses())[LEO] is EnrollmentStatus.COMPLETE


async def test_overlapping_runs_sync_once_and_report_once(sync: Sync) -> None:
    await sync.register(LEO, LUC)
    sync.goto.play(WEBINAR_KEY, [await sync.attendee(LEO)])
    first, second = await asyncio.gather(sync.run(FINAL_RUN), sync.run(FINAL_RUN))
    assert len([r for r in first + second if r.ran]) == 1
    # A run by hand at the same time may sync again, but tells nobody twice.
    await asyncio.gather(sync.by_hand(FINAL_RUN), sync.by_hand(FINAL_RUN))
    assert len(await sync.notices("completion_report")) == 2
    assert len(await sync.notices("enrollment_completed")) == 1


async def test_by_hand_before_the_end_is_refused(sync: Sync) -> None:
    await sync.register(LEO)
    result = await sync.by_hand(END - timedelta(minutes=1))
    assert not result.ran and result.problem == "the session has not ended yet"


async def test_a_cancelled_learner_is_not_synced(sync: Sync) -> None:
    await sync.register(LEO, LUC)
    await sync.desk.unregister(LUC)
    sync.goto.play(WEBINAR_KEY, [await sync.attendee(LEO)])
    await sync.run(FINAL_RUN)
    rows = {e.user_id: e for e in await sync.desk.enrollments()}
    assert LUC not in rows or rows[LUC].status is EnrollmentStatus.CANCELLED


async def test_enrollments_of_other_sessions_are_untouched(sync: Sync) -> None:
    await sync.register(LEO)
    other = await sync.desk.schedule(sync.desk.webinar)
    await sync.desk.register(LUC, session_id=other)
    sync.goto.play(WEBINAR_KEY, [await sync.attendee(LEO)])
    await sync.by_hand(FINAL_RUN)
    rows: list[Enrollment] = await sync.desk.enrollments()
    assert {e.user_id: e.status for e in rows}[LUC] is EnrollmentStatus.REGISTERED


async def test_the_completion_dm_escapes_the_title_once(sync: Sync) -> None:
    from domain.models import LearningElement

    async with sync.desk.world.uow() as uow:
        element = await uow.session.get(LearningElement, sync.desk.element.id)
        assert element is not None
        element.title = "Q&A <Basics>"
        uow.session.add(element)
        await uow.commit()
    await sync.register(LEO)
    sync.goto.play(WEBINAR_KEY, [await sync.attendee(LEO)])
    await sync.run(FIRST_RUN)
    (told,) = await sync.notices("enrollment_completed")
    assert told.text.startswith("You completed *Q&amp;A &lt;Basics&gt;* (")
