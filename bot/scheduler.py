"""APScheduler set-up: stable job ids, coalescing, one instance of each job at a time."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.jobs.runs import JobFn, JobRecorder, observed


def create_scheduler() -> AsyncIOScheduler:
    """A scheduler for the running asyncio loop, in UTC."""
    return AsyncIOScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )


def add_interval_job(
    scheduler: AsyncIOScheduler,
    job_id: str,
    fn: JobFn,
    seconds: float,
    *,
    recorder: JobRecorder | None = None,
) -> None:
    """Run `fn` every `seconds`, replacing any job with the same id; `recorder` hears of each
    run (how long it took, whether it failed)."""
    job: JobFn = fn if recorder is None else observed(job_id, fn, recorder)
    scheduler.add_job(
        job, "interval", seconds=seconds, id=job_id, name=job_id, replace_existing=True
    )
