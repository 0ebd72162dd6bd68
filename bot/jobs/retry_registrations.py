"""Job: ask GoTo again for registrations it did not take (outage, rate limit, lapsed link)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from bot.jobs.runs import run_failed
from domain.ports import Clock, GoToRegistrar, UnitOfWork
from domain.services.registration import Outcome, retry_pending
from domain.types import utcnow

log = logging.getLogger(__name__)


def retry_registrations_job(
    units: Callable[[], AbstractAsyncContextManager[UnitOfWork]],
    registrar: GoToRegistrar,
    clock: Clock = utcnow,
) -> Callable[[], Awaitable[None]]:
    """A job entry point that never lets an error stop the scheduler."""

    async def run() -> None:
        try:
            results = await retry_pending(units, goto=registrar, now=clock())
        except Exception:
            run_failed(log, "registration retry run failed; it will run again")
            return
        if results:
            done = sum(1 for r in results if r.outcome in (Outcome.REGISTERED, Outcome.ALREADY))
            queued = sum(1 for r in results if r.outcome is Outcome.QUEUED)
            log.info(
                "queued registrations: %d done, %d still queued, %d refused",
                done,
                queued,
                len(results) - done - queued,
            )

    return run
