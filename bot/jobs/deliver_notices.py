"""Job: post due notices to Slack."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.jobs.runs import run_failed
from bot.slack.outbox import Outbox

log = logging.getLogger(__name__)


def deliver_notices_job(outbox: Outbox) -> Callable[[], Awaitable[None]]:
    """A job entry point that never lets an error stop the scheduler."""

    async def run() -> None:
        try:
            report = await outbox.deliver_due()
        except Exception:
            run_failed(log, "notice delivery run failed; it will run again")
            return
        if report.sent or report.failed or report.retrying:
            log.info(
                "notices: %d sent, %d retrying, %d failed",
                len(report.sent),
                len(report.retrying),
                len(report.failed),
            )

    return run
