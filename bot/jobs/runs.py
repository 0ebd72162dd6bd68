"""One scheduled run of a job: timed, counted, failed when it raised or said it failed."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

JobFn = Callable[[], Awaitable[object]]


@dataclass
class JobRun:
    """The run in progress: which job, and whether it failed so far."""

    job_id: str
    failed: bool = False


_current: ContextVar[JobRun | None] = ContextVar("viltbot_job_run", default=None)


def run_failed(logger: logging.Logger, message: str, *args: object) -> None:
    """Log the exception being handled and count the scheduled run it happened in as failed.

    Jobs call it where they catch an error so as never to stop the scheduler; called outside
    a scheduled run (a sync started by hand), it only logs.
    """
    logger.exception(message, *args)
    run = _current.get()
    if run is not None:
        run.failed = True


class JobRecorder(Protocol):
    """Told about each scheduled run of each job (the operators' metrics)."""

    def job_added(self, job_id: str) -> None:
        """A job was scheduled: its counters start at zero."""

    def job_finished(self, job_id: str, seconds: float, *, failed: bool) -> None:
        """A run ended after `seconds`, failed or not."""


def observed(
    job_id: str,
    fn: JobFn,
    recorder: JobRecorder,
    *,
    monotonic: Callable[[], float] = time.monotonic,
) -> Callable[[], Awaitable[None]]:
    """`fn` as a scheduled job whose runs `recorder` hears of; an error it raises is logged and
    counted, never passed on to the scheduler."""
    recorder.job_added(job_id)

    async def run() -> None:
        record = JobRun(job_id)
        token = _current.set(record)
        started = monotonic()
        try:
            await fn()
        except Exception:
            run_failed(log, "job %s failed; it will run again", job_id)
        finally:
            _current.reset(token)
            recorder.job_finished(job_id, monotonic() - started, failed=record.failed)

    return run
