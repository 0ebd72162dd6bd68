"""Job: store the instructor reminders now due (a day and an hour before each session)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.runs import run_failed
from db.uow import SqlUnitOfWork
from domain.ports import Clock
from domain.services.session_alerts import queue_reminders
from domain.types import utcnow

log = logging.getLogger(__name__)

# Reminders are stored within this long of being due; the outbox job then posts them.
REMINDER_POLL_SECONDS = 60.0


def session_reminders_job(
    factory: async_sessionmaker[AsyncSession], clock: Clock = utcnow
) -> Callable[[], Awaitable[int]]:
    """A job entry point that stores due reminders (returning how many) and never lets an error
    stop the scheduler; two runs at once store each reminder once."""

    async def run() -> int:
        try:
            async with SqlUnitOfWork(factory) as uow:
                stored = await queue_reminders(uow, clock())
                await uow.commit()
        except Exception:
            run_failed(log, "session reminder run failed; it will run again")
            return 0
        if stored:
            log.info("session reminders: %d stored", stored)
        return stored

    return run
