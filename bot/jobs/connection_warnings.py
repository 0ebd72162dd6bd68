"""Job: store the GoTo connection warnings now due (7, 3, 1 days before a lapse, lapsed, failed)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.jobs.runs import run_failed
from domain.ports import Clock
from domain.services.connections import Units, queue_connection_warnings

log = logging.getLogger(__name__)


def connection_warnings_job(units: Units, clock: Clock) -> Callable[[], Awaitable[int]]:
    """A job entry point that stores due warnings (returning how many were new) and never lets
    an error stop the scheduler; two runs at once store each warning once (dedupe keys)."""

    async def run() -> int:
        try:
            async with units() as uow:
                stored = await queue_connection_warnings(uow, now=clock())
                await uow.commit()
        except Exception:
            run_failed(log, "connection warning run failed; it will run again")
            return 0
        if stored:
            log.info("connection warnings: %d stored", stored)
        return stored

    return run
