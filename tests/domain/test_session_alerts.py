"""Instructor alerts: each stored once as a DM in the outbox, again only for a genuinely new event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from domain.errors import NotFound
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    Notice,
    Session,
    SessionStatus,
)
from domain.services import elements, session_alerts
from tests.domain.conftest import NOW, WS, World

ADA = "U0ADA00001"  # admin of Alpha
IVY = "U0IVY00001"  # instructor
OWEN = "U0OWEN0001"  # another instructor
LEARNERS = [f"U0LRN{i:05d}" for i in range(6)]


class Setting:
    """Team Alpha with an element "Negotiation & <Co>" and a 30-seat classroom."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.element: LearningElement
        self.room: Location

    async def build(self) -> Setting:
        alpha = await self.world.make_team("Alpha", admins=[ADA], instructors=[IVY, OWEN])
        actor = await self.world.actor(ADA)
        async with self.world.uow() as uow:
            self.element = await elements.create_element(uow, actor, "Negotiation & <Co>")
            await uow.commit()
        self.room = await self.world.make_location(
            ADA,
            alpha,
            "Room <1>",
            kind="classroom",
            consumer_key="",
            consumer_secret="",
            max_learners="30",
        )
        return self

    async def session(
        self,
        starts_at: datetime = NOW + timedelta(days=3),
        *,
        instructor: str = IVY,
        max_learners: int | None = None,
    ) -> Session:
        """A scheduled two-hour session, written as a row."""
        assert self.element.id is not None and self.room.id is not None
        async with self.world.uow() as uow:
            session = Session(
                workspace_id=WS,
                element_id=self.element.id,
                location_id=self.room.id,
                instructor_id=instructor,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2),
                timezone="Europe/Oslo",
                max_learners=max_learners,
                created_by=ADA,
            )
            uow.session.add(session)
            await uow.commit()
        return session

    async def change(self, session: Session, **values: Any) -> None:
        async with self.world.uow() as uow:
            row = await uow.session.get(Session, session.id)
            assert row is not None
            for name, value in values.items():
                setattr(row, name, value)
            await uow.commit()

    async def enroll(
        self, session: Session, user_id: str, status: EnrollmentStatus = EnrollmentStatus.REGISTERED
    ) -> None:
        assert session.id is not None
        async with self.world.uow() as uow:
            uow.session.add(
                Enrollment(workspace_id=WS, session_id=session.id, user_id=user_id, status=status)
            )
            await uow.commit()

    async def leave(self, session: Session, user_id: str) -> None:
        async with self.world.uow() as uow:
            rows = await uow.session.execute(
                select(Enrollment).where(
                    col(Enrollment.session_id) == session.id, col(Enrollment.user_id) == user_id
                )
            )
            rows.scalar_one().status = EnrollmentStatus.CANCELLED
            await uow.commit()

    async def alert(self, name: str, *args: Any, **kwargs: Any) -> Notice | None:
        """Call one alert function in its own committed unit of work."""
        async with self.world.uow() as uow:
            notice = await getattr(session_alerts, name)(uow, *args, **kwargs)
            await uow.commit()
        return notice  # type: ignore[no-any-return]

    async def remind(self, now: datetime) -> int:
        async with self.world.uow() as uow:
            stored = await session_alerts.queue_reminders(uow, now)
            await uow.commit()
        return stored

    async def notices(self, kind: str | None = None) -> list[Notice]:
        return [n for n in await self.world.rows(Notice) if kind is None or n.kind == kind]


@pytest.fixture
async def setting(world: World) -> Setting:
    return await Setting(world).build()


def section_text(notice: Notice) -> str:
    assert notice.blocks_json is not None
    blocks = json.loads(notice.blocks_json)
    assert blocks[0]["type"] == "section"
    return str(blocks[0]["text"]["text"])


async def test_assignment_is_a_dm_to_the_instructor_with_the_session_and_its_seats(
    setting: Setting,
) -> None:
    session = await setting.session(max_learners=12)
    await setting.enroll(session, LEARNERS[0])
    await setting.enroll(session, LEARNERS[1], EnrollmentStatus.PENDING)
    await setting.enroll(session, LEARNERS[2], EnrollmentStatus.CANCELLED)

    notice = await setting.alert("instructor_assigned", session.id, by_user_id=ADA)

    assert notice is not None
    assert notice.id is not None and notice.channel == IVY and notice.kind == "session_assigned"
    start = int((NOW + timedelta(days=3)).timestamp())
    end = start + 7200
    when = (
        f"<!date^{start}^{{date_long_pretty}} {{time}}|2026-11-30 12:00 UTC> \N{EN DASH} "
        f"<!date^{end}^{{time}}|14:00 UTC>"
    )
    assert notice.text == (
        "You are teaching *Negotiation &amp; &lt;Co&gt;* at *Room &lt;1&gt;*, "
        f"{when} (session #{session.id}, 2 registered of 12)."
    )
    assert section_text(notice) == (
        "You are teaching *Negotiation &amp; &lt;Co&gt;* at *Room &lt;1&gt;* · Classroom\n"
        f"{when}\n"
        f"Session `#{session.id}` · 2 registered of 12 · assigned by <@{ADA}>"
    )
    # Asked again (a retried request), nothing more is stored.
    assert await setting.alert("instructor_assigned", session.id, by_user_id=ADA) is None
    assert len(await setting.notices()) == 1


async def test_reassigning_tells_each_instructor_each_time_and_never_twice(
    setting: Setting,
) -> None:
    session = await setting.session()
    assert await setting.alert("instructor_assigned", session.id, by_user_id=ADA)
    # Ivy still teaches it: there is nothing to take back.
    assert await setting.alert("instructor_unassigned", session.id, IVY) is None

    await setting.change(session, instructor_id=OWEN)
    gone = await setting.alert("instructor_unassigned", session.id, IVY)
    assert gone is not None and gone.channel == IVY
    assert gone.text.startswith("You no longer teach *Negotiation &amp; &lt;Co&gt;*")
    assert gone.text.endswith(f"<@{OWEN}> teaches it now.")
    assert await setting.alert("instructor_unassigned", session.id, IVY) is None
    assert await setting.alert("instructor_assigned", session.id, by_user_id=ADA)
    assert await setting.alert("instructor_assigned", session.id, by_user_id=ADA) is None

    await setting.change(session, instructor_id=IVY)
    assert await setting.alert("instructor_unassigned", session.id, OWEN)
    back = await setting.alert("instructor_assigned", session.id, by_user_id=ADA)
    assert back is not None and back.channel == IVY

    told = [(n.channel, n.kind) for n in await setting.notices()]
    assert told == [
        (IVY, "session_assigned"),
        (IVY, "session_unassigned"),
        (OWEN, "session_assigned"),
        (OWEN, "session_unassigned"),
        (IVY, "session_assigned"),
    ]


async def test_full_is_told_once_and_again_when_it_fills_up_after_someone_left(
    setting: Setting,
) -> None:
    session = await setting.session(max_learners=3)
    await setting.enroll(session, LEARNERS[0])
    await setting.enroll(session, LEARNERS[1])
    assert await setting.alert("session_full", session.id) is None  # 2 of 3

    await setting.enroll(session, LEARNERS[2], EnrollmentStatus.PENDING)
    full = await setting.alert("session_full", session.id)
    assert full is not None and full.channel == IVY and full.kind == "session_full"
    assert full.text.startswith(
        "*Negotiation &amp; &lt;Co&gt;* at *Room &lt;1&gt;* is full: 3 registered of 3 "
        f"(session #{session.id}, <!date^"
    )
    assert await setting.alert("session_full", session.id) is None

    await setting.leave(session, LEARNERS[1])
    assert await setting.alert("session_full", session.id) is None
    await setting.enroll(session, LEARNERS[3])
    assert await setting.alert("session_full", session.id) is not None
    assert await setting.alert("session_full", session.id) is None
    assert len(await setting.notices("session_full")) == 2


async def test_the_locations_limit_counts_and_no_limit_is_never_full(
    setting: Setting, world: World
) -> None:
    session = await setting.session()  # the room takes 30
    for user_id in LEARNERS[:3]:
        await setting.enroll(session, user_id)
    assert await setting.alert("session_full", session.id) is None
    async with world.uow() as uow:
        room = await uow.session.get(Location, setting.room.id)
        assert room is not None
        room.max_learners = 3
        await uow.commit()
    assert await setting.alert("session_full", session.id) is not None
    unlimited = await setting.session(NOW + timedelta(days=4))
    async with world.uow() as uow:
        room = await uow.session.get(Location, setting.room.id)
        assert room is not None
        room.max_learners = None
        await uow.commit()
    for user_id in LEARNERS:
        await setting.enroll(unlimited, user_id)
    assert await setting.alert("session_full", unlimited.id) is None


async def test_cancelled_is_told_once_and_only_for_a_cancelled_session(setting: Setting) -> None:
    session = await setting.session()
    assert await setting.alert("session_cancelled", session.id, by_user_id=ADA) is None
    await setting.change(session, status=SessionStatus.CANCELLED, cancelled_at=NOW)
    cancelled = await setting.alert("session_cancelled", session.id, by_user_id=ADA)
    assert cancelled is not None and cancelled.channel == IVY
    assert f"Session `#{session.id}` · cancelled by <@{ADA}>" in section_text(cancelled)
    assert cancelled.text.endswith("; you were teaching it.")
    assert await setting.alert("session_cancelled", session.id, by_user_id=ADA) is None
    # A cancelled session is neither full nor reminded.
    assert await setting.alert("session_full", session.id) is None
    assert await setting.remind(session.starts_at - timedelta(minutes=30)) == 0


async def test_an_unknown_session_is_not_found(setting: Setting) -> None:
    with pytest.raises(NotFound):
        await setting.alert("instructor_assigned", 999, by_user_id=ADA)


async def test_reminders_come_a_day_and_an_hour_before_once_each(setting: Setting) -> None:
    starts_at = NOW + timedelta(days=2)
    session = await setting.session(starts_at, max_learners=20)
    await setting.enroll(session, LEARNERS[0])
    await setting.enroll(session, LEARNERS[1])

    assert await setting.remind(NOW) == 0
    assert await setting.remind(starts_at - timedelta(hours=24, minutes=1)) == 0
    assert await setting.remind(starts_at - timedelta(hours=24)) == 1
    assert await setting.remind(starts_at - timedelta(hours=23)) == 0  # a second run: nothing
    assert await setting.remind(starts_at - timedelta(hours=1, minutes=1)) == 0
    assert await setting.remind(starts_at - timedelta(hours=1)) == 1
    assert await setting.remind(starts_at - timedelta(minutes=10)) == 0
    assert await setting.remind(starts_at + timedelta(minutes=1)) == 0  # started

    day, hour = await setting.notices("session_reminder")
    assert day.channel == hour.channel == IVY
    start = int(starts_at.timestamp())
    assert day.text == (
        "Reminder: *Negotiation &amp; &lt;Co&gt;* at *Room &lt;1&gt;* starts "
        f"<!date^{start}^{{date_short_pretty}} at {{time}}|2026-11-29 12:00 UTC> "
        f"(in about 24 hours); you are teaching it (session #{session.id}, 2 registered of 20)."
    )
    assert "(in about an hour)" in hour.text
    assert f"Session `#{session.id}` · 2 registered of 20 · you are teaching it" in (
        section_text(hour)
    )


async def test_a_session_made_half_an_hour_before_start_gets_only_the_hour_reminder(
    setting: Setting,
) -> None:
    session = await setting.session(NOW + timedelta(minutes=30))
    assert await setting.remind(NOW) == 1
    assert await setting.remind(NOW + timedelta(minutes=5)) == 0
    (reminder,) = await setting.notices("session_reminder")
    assert ":reminder:1h:" in reminder.dedupe_key
    assert "(in 30 minutes)" in reminder.text
    assert reminder.channel == session.instructor_id


async def test_a_session_first_seen_two_hours_before_start_waits_for_the_hour_reminder(
    setting: Setting,
) -> None:
    starts_at = NOW + timedelta(minutes=110)
    await setting.session(starts_at)
    assert await setting.remind(NOW) == 0
    assert await setting.remind(starts_at - timedelta(minutes=61)) == 0
    assert await setting.remind(starts_at - timedelta(minutes=60)) == 1
    (reminder,) = await setting.notices("session_reminder")
    assert ":reminder:1h:" in reminder.dedupe_key
    # Just over two hours ahead still gets the day-before one.
    await setting.session(NOW + timedelta(hours=2, minutes=1))
    assert await setting.remind(NOW) == 1


async def test_a_rescheduled_session_and_a_new_instructor_are_reminded_again(
    setting: Setting,
) -> None:
    starts_at = NOW + timedelta(hours=20)
    session = await setting.session(starts_at)
    assert await setting.remind(NOW) == 1
    later = starts_at + timedelta(hours=2)
    await setting.change(session, starts_at=later, ends_at=later + timedelta(hours=2))
    assert await setting.remind(NOW + timedelta(minutes=1)) == 1
    await setting.change(session, instructor_id=OWEN)
    assert await setting.remind(NOW + timedelta(minutes=2)) == 1
    assert await setting.remind(NOW + timedelta(minutes=3)) == 0
    reminders = await setting.notices("session_reminder")
    assert [n.channel for n in reminders] == [IVY, IVY, OWEN]
    assert str(int(later.timestamp())) in reminders[1].text


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_reminder_run_costs_the_same_statements_for_one_session_as_for_thirty(
    setting: Setting, engine: AsyncEngine
) -> None:
    first = await setting.session(NOW + timedelta(hours=3))
    await setting.enroll(first, LEARNERS[0])
    with counting(engine) as one:
        assert await setting.remind(NOW) == 1
    for i in range(30):
        many = await setting.session(NOW + timedelta(hours=4, minutes=i))
        await setting.enroll(many, LEARNERS[i % len(LEARNERS)])
    await setting.session(NOW + timedelta(minutes=30 + 60 * 24))  # not due yet
    with counting(engine) as thirty:
        assert await setting.remind(NOW + timedelta(minutes=1)) == 30
    with counting(engine) as none_due:
        assert await setting.remind(NOW + timedelta(minutes=2)) == 0
    assert len(one) == len(thirty) == len(none_due)
    reads = [s for s in thirty if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1, thirty
