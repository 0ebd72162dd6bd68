"""Instructor alerts reach the instructor's DM through the outbox, each exactly once."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from bot.jobs.session_reminders import session_reminders_job
from db.uow import SqlUnitOfWork
from domain.models import Enrollment, Notice, NoticeStatus, Session, SessionStatus
from domain.services import session_alerts
from domain.types import utcnow
from tests.e2e.conftest import BEN, BOSS, CLAIRE, TRAINING, WS, Stack
from tests.handlers.sessions_data import place, schedule

DATE = re.compile(r"<!date\^(\d+)\^\{date_short_pretty\} at \{time\}\|[^>]+>")


async def academy(stack: Stack) -> int:
    """Team Sales with an element and a 10-seat classroom; its number."""
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command("element new Negotiation & <Co>")
    return await place(stack, "Room <1>", available_to=["Sales"], max_learners="10")


async def dms_to(stack: Stack, user: str) -> list[str]:
    """The texts of the messages posted to the user's DM, oldest first."""
    return [
        str(call.args["text"])
        for call in stack.standin.calls_to("chat.postMessage")
        if call.ok and call.args["channel"] == user
    ]


async def test_reminders_are_posted_once_even_when_the_job_runs_twice_at_once(
    stack: Stack,
) -> None:
    room = await academy(stack)
    soon = utcnow() + timedelta(minutes=30)
    tomorrow = utcnow() + timedelta(hours=5)
    first = await schedule(stack, "Negotiation & <Co>", room, CLAIRE, starts_at=soon, hours=1)
    second = await schedule(stack, "Negotiation & <Co>", room, CLAIRE, starts_at=tomorrow)
    later = await schedule(
        stack, "Negotiation & <Co>", room, CLAIRE, starts_at=utcnow() + timedelta(days=3)
    )
    job = session_reminders_job(stack.runtime.outbox.factory)

    stored = await asyncio.gather(job(), job())
    assert sorted(stored) == [0, 2]
    assert await job() == 0
    await stack.runtime.outbox.deliver_due()
    await stack.runtime.outbox.deliver_due()

    texts = [text for text in await dms_to(stack, CLAIRE) if text.startswith("Reminder:")]
    assert len(texts) == 2
    by_session = {int(re.findall(r"session #(\d+)", text)[0]): text for text in texts}
    assert set(by_session) == {first, second} and later not in by_session
    hour = by_session[first]
    assert hour.startswith("Reminder: *Negotiation &amp; &lt;Co&gt;* at *Room &lt;1&gt;* starts ")
    assert "(in 30 minutes)" in hour or "(in 29 minutes)" in hour
    assert hour.endswith(f"you are teaching it (session #{first}, 0 registered of 10).")
    (stamp,) = DATE.findall(hour)
    assert abs(int(stamp) - soon.timestamp()) < 1
    assert "(in about 5 hours)" in by_session[second]
    notices = await stack.rows(Notice)
    assert {n.status for n in notices} == {NoticeStatus.SENT}


async def test_assigned_full_and_cancelled_are_each_posted_once(stack: Stack) -> None:
    room = await academy(stack)
    number = await schedule(
        stack,
        "Negotiation & <Co>",
        room,
        CLAIRE,
        starts_at=utcnow() + timedelta(days=2),
        max_learners="1",
    )
    # Scheduling the session told its instructor; telling again stores nothing.
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        assert await session_alerts.instructor_assigned(uow, number, by_user_id=BOSS) is None
        await uow.commit()
    await stack.runtime.outbox.deliver_due()
    (assigned,) = await dms_to(stack, CLAIRE)
    assert assigned.startswith(
        "You are teaching *Negotiation &amp; &lt;Co&gt;* at *Room &lt;1&gt;*, <!date^"
    )
    assert assigned.endswith(f"(session #{number}, 0 registered of 1).")
    (post,) = [c for c in stack.standin.calls_to("chat.postMessage") if c.args["channel"] == CLAIRE]
    assert f"assigned by <@{BOSS}>" in post.args["blocks"][0]["text"]["text"]

    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        uow.session.add(Enrollment(workspace_id=WS, session_id=number, user_id=BEN))
        await uow.commit()
    for _ in range(2):
        async with SqlUnitOfWork(stack.runtime.factory) as uow:
            await session_alerts.session_full(uow, number)
            await uow.commit()
        await stack.runtime.outbox.deliver_due()
    full = (await dms_to(stack, CLAIRE))[1:]
    assert full == [
        "*Negotiation &amp; &lt;Co&gt;* at *Room &lt;1&gt;* is full: 1 registered of 1 "
        f"(session #{number}, " + full[0].split(", ", 1)[1]
    ]
    assert "<!date^" in full[0]

    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        session = await uow.session.get(Session, number)
        assert session is not None
        session.status = SessionStatus.CANCELLED
        session.cancelled_at = utcnow()
        await uow.commit()
    for _ in range(2):
        async with SqlUnitOfWork(stack.runtime.factory) as uow:
            await session_alerts.session_cancelled(uow, number, by_user_id=BOSS)
            await uow.commit()
        await stack.runtime.outbox.deliver_due()
    texts = await dms_to(stack, CLAIRE)
    assert len(texts) == 3
    assert texts[2].startswith("*Negotiation &amp; &lt;Co&gt;* at *Room &lt;1&gt;* is cancelled")


async def test_the_running_bot_stores_reminders_every_minute(stack: Stack) -> None:
    scheduler = stack.runtime.start_scheduler()
    try:
        job = scheduler.get_job("session_reminders")
        assert job is not None and job.trigger.interval == timedelta(minutes=1)
    finally:
        scheduler.shutdown(wait=False)
