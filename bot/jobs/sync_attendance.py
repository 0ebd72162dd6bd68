"""Job: attendance sync of finished sessions (domain/services/completion_sync.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.jobs.runs import run_failed
from domain.completion_report import ReportRenderer
from domain.ports import Clock, GoToReports
from domain.services.completion_sync import LEASE, SyncResult, Units, sync_due

log = logging.getLogger(__name__)


def sync_attendance_job(
    units: Units,
    goto: GoToReports,
    renderer: ReportRenderer,
    clock: Clock,
    *,
    lease: timedelta = LEASE,
) -> Callable[[], Awaitable[list[SyncResult]]]:
    """A job entry point that never lets an error stop the scheduler. Each session is claimed
    in the database for `lease` (Session.sync_lease_until), so several processes never sync
    one session at once, and one whose process died is taken over once the lease runs out."""

    async def run() -> list[SyncResult]:
        try:
            results = await sync_due(units, goto=goto, renderer=renderer, now=clock(), lease=lease)
        except Exception:
            run_failed(log, "attendance sync run failed; it will run again")
            return []
        for result in results:
            log.info("attendance sync: %s", result.summary())
        return results

    return run
