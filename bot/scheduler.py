"""APScheduler set-up: stable job ids, coalescing, one instance of each job at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

JobFn = Callable[[], Awaitable[object]]


def create_scheduler() -> AsyncIOScheduler:
    """A scheduler for the running asyncio loop, in UTC."""
    return AsyncIOScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )


def add_interval_job(scheduler: AsyncIOScheduler, job_id: str, fn: JobFn, seconds: float) -> None:
    """Run `fn` every `seconds`, replacing any job with the same id."""
    scheduler.add_job(
        fn, "interval", seconds=seconds, id=job_id, name=job_id, replace_existing=True
    )
