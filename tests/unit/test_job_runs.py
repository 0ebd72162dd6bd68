"""Each scheduled run of a job is counted and timed; one that fails is counted as failed and
never stops the scheduler, whether it raised or caught its error itself."""

from __future__ import annotations

import logging

import pytest

from bot.jobs.runs import observed, run_failed
from bot.metrics.registry import Metrics


def sample(metrics: Metrics, name: str, job: str) -> float | None:
    return metrics.registry.get_sample_value(name, {"job": job})


async def test_runs_that_succeed_raise_or_catch_their_error_are_counted_apart(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = Metrics()
    ticks = iter([10.0, 10.5, 20.0, 20.25, 30.0, 31.0])

    async def fine() -> None:
        return None

    async def raises() -> None:
        raise RuntimeError("database gone")

    async def catches() -> None:
        try:
            raise RuntimeError("database gone")
        except RuntimeError:
            run_failed(logging.getLogger("tests.job"), "caught run failed; it will run again")

    runs = {
        job_id: observed(job_id, fn, metrics, monotonic=lambda: next(ticks))
        for job_id, fn in (("fine", fine), ("raises", raises), ("catches", catches))
    }
    assert sample(metrics, "viltbot_job_runs_total", "fine") == 0
    with caplog.at_level(logging.ERROR):
        for run in runs.values():
            await run()

    assert [sample(metrics, "viltbot_job_runs_total", j) for j in runs] == [1, 1, 1]
    assert [sample(metrics, "viltbot_job_failures_total", j) for j in runs] == [0, 1, 1]
    assert [sample(metrics, "viltbot_job_duration_seconds_sum", j) for j in runs] == [
        0.5,
        0.25,
        1.0,
    ]
    assert [r.getMessage() for r in caplog.records] == [
        "job raises failed; it will run again",
        "caught run failed; it will run again",
    ]


def test_outside_a_scheduled_run_a_caught_error_is_only_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        raise RuntimeError("no answer")
    except RuntimeError:
        run_failed(logging.getLogger("tests.job"), "sync by hand failed")
    assert [r.getMessage() for r in caplog.records] == ["sync by hand failed"]


async def test_two_runtimes_keep_their_counts_apart() -> None:
    first, second = Metrics(), Metrics()

    async def fine() -> None:
        return None

    await observed("deliver_notices", fine, first)()
    observed("deliver_notices", fine, second)
    assert sample(first, "viltbot_job_runs_total", "deliver_notices") == 1
    assert sample(second, "viltbot_job_runs_total", "deliver_notices") == 0
