"""Job: attendance sync of finished sessions (domain/services/completion_sync.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.jobs.runs import run_failed
from domain.completion_report import ReportRenderer
from domain.ports import Clock, GoToReports
from domain.services.completion_sync import SyncResult, Units, sync_due

log = logging.getLogger(__name__)

# How often the job looks for sessions whose next run is due.
SYNC_POLL_SECONDS = 60.0


def sync_attendance_job(
    units: Units, goto: GoToReports, renderer: ReportRenderer, clock: Clock
) -> Callable[[], Awaitable[list[SyncResult]]]:
    """A job entry point that never lets an error stop the scheduler."""

    async def run() -> list[SyncResult]:
        try:
            results = await sync_due(units, goto=goto, renderer=renderer, now=clock())
        except Exception:
            run_failed(log, "attendance sync run failed; it will run again")
            return []
        for result in results:
            log.info("attendance sync: %s", result.summary())
        return results

    return run
