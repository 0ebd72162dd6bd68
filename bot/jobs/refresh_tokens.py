"""Job: refresh the GoTo tokens of connections in use ahead of their expiry."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.jobs.runs import run_failed
from domain.ports import Clock, SecretSealer, TokenRefresher
from domain.services.connections import RefreshRun, Units, refresh_due

log = logging.getLogger(__name__)


def refresh_tokens_job(
    units: Units, refresher: TokenRefresher, sealer: SecretSealer, clock: Clock
) -> Callable[[], Awaitable[RefreshRun]]:
    """A job entry point that never lets an error stop the scheduler; several processes may run
    it at once (each location is claimed by one)."""

    async def run() -> RefreshRun:
        try:
            done = await refresh_due(units, refresher=refresher, sealer=sealer, now=clock())
        except Exception:
            run_failed(log, "token refresh run failed; it will run again")
            return RefreshRun()
        if done.refreshed or done.failed or done.postponed:
            log.info(
                "GoTo tokens: %d refreshed, %d failed, %d postponed",
                len(done.refreshed),
                len(done.failed),
                len(done.postponed),
            )
        return done

    return run
