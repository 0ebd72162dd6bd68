"""`bench.sync --workers N`: the attendance sync of many finished sessions by N `viltbot worker`
processes on one PostgreSQL, against the GoTo sandbox answering each request `--latency` seconds
late, measured against one worker on the same data.

What bounds one worker is GoTo's answer time, not the rate limit: a worker syncs a few sessions of
each consumer key at a time (completion_sync.SESSIONS_PER_KEY_AT_ONCE, 3), and a run of a session
asks GoTo two things one after the other, so with a latency of L seconds one worker sends about
3 / L requests a second per key and syncs 3 / 2L sessions. With 8 s that is 0.4 requests/s, far
below the key's rate: three workers can triple it. Each wave of sessions still waits for its
moments at the shared pace (9 requests of three workers take a second to leave), which is why
the speed-up stays under 3. With one consumer key and a short latency the workers are bounded by
the key's rate instead: more workers then sync no faster, and stay within the rate.

The sessions track attendance only (no polls: a session's poll answers are asked many at once,
which would reach the key's rate with one worker already). Notices are left for later (the
workers' outbox does not run during the measurement): the figure is the sync's throughput.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from bench import sync as bench
from bench.workers import one_second_peaks, wait_until_done, worker_env, workers
from bot.bootstrap import build_runtime
from db.migrate import upgrade
from domain.models import Session
from domain.services.completion_sync import SyncResult
from tests.e2e.conftest import stack_settings

NO_SLACK = "http://127.0.0.1:9/api/"
# Three workers on at least as many keys reach this many times one worker's throughput.
SPEED_UP_GOAL = 0.8


@dataclass
class WorkerFigures:
    """What one run of N workers measured."""

    workers: int
    keys: int
    sessions: int
    wall: float
    requests: int
    statuses: dict[int, int]
    peaks: dict[str, int]
    wrong: list[str]

    @property
    def throughput(self) -> float:
        """Sessions synced a second."""
        return self.sessions / self.wall if self.wall else 0.0


async def run_workers(
    count: int,
    locations: int,
    sessions: int,
    learners: int,
    latency: float,
    database_url: str,
) -> WorkerFigures:
    """Start `count` workers, then give them the finished sessions, and time the sync."""
    now = datetime.now(UTC)
    planned = bench.plan(locations, sessions, learners, now=now, polls=False)
    upgrade(database_url)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        scenario_file = folder / "scenario.json"
        scenario_file.write_text(json.dumps(bench.scenario(planned, locations)), "utf-8")
        async with bench.sandbox_process(scenario_file, latency) as (base, _pid):
            tokens = await bench.link_tokens(base, locations)
            await bench.registrant_keys(base, planned)
            runtime = build_runtime(stack_settings(database_url, NO_SLACK, base))
            # The outbox waits: the run measures the sync alone.
            env = worker_env(
                database_url,
                NO_SLACK,
                base,
                VILTBOT_SYNC_POLL_SECONDS="0.5",
                VILTBOT_NOTICE_POLL_SECONDS="3600",
            )
            try:
                async with workers(folder, env) as running:
                    await running.start(count)
                    await running.running()
                    before = len(await bench.goto_requests(base))
                    started = time.perf_counter()
                    # The sessions are due from the moment they are stored.
                    await bench.fill_database(runtime, planned, tokens, now=now)
                    ids = await bench.session_ids(runtime, planned)
                    await wait_until_done(
                        runtime.engine, ids, within=1800, running=running, notices=False
                    )
                    wall = time.perf_counter() - started
                requests = (await bench.goto_requests(base))[before:]
                async with runtime.engine.connect() as conn:
                    reported = (
                        await conn.execute(
                            select(col(Session.id)).where(
                                col(Session.id).in_(ids), col(Session.report_queued_at).is_not(None)
                            )
                        )
                    ).scalars()
                    results = [
                        SyncResult(sid, ran=True, report_queued=True) for sid in reported if sid
                    ]
                wrong = await bench.check(runtime, planned, ids, results)
            finally:
                await runtime.close()
    statuses: dict[int, int] = {}
    for request in requests:
        statuses[int(request["status"])] = statuses.get(int(request["status"]), 0) + 1
    return WorkerFigures(
        workers=count,
        keys=locations,
        sessions=len(planned),
        wall=wall,
        requests=len(requests),
        statuses=statuses,
        peaks=one_second_peaks(requests),
        wrong=wrong,
    )


def show(one: WorkerFigures, many: WorkerFigures, latency: float) -> dict[str, bool]:
    """Print both runs and a PASS/FAIL line per goal; the goals."""
    print(
        f"database: PostgreSQL  consumer keys: {many.keys}  sessions: {many.sessions}  "
        f"GoTo latency: {latency:g} s"
    )
    for f in (one, many):
        statuses = ", ".join(f"{n} x HTTP {s}" for s, n in sorted(f.statuses.items()))
        print(
            f"{f.workers} worker{'s' if f.workers != 1 else ''}: {f.wall:.1f} s, "
            f"{f.throughput:.2f} sessions/s, {f.requests} GoTo requests ({statuses}), "
            f"most requests of one key in any second: {max(f.peaks.values(), default=0)}"
        )
        for line in f.wrong[:10]:
            print(f"  wrong: {line}")
    speed_up = many.throughput / one.throughput if one.throughput else 0.0
    print(f"speed-up: {speed_up:.2f}x")
    goals = {
        "no HTTP 429": all(429 not in f.statuses for f in (one, many)),
        f"every key <= {bench.GOTO_RATE:g} requests in any second": all(
            max(f.peaks.values(), default=0) <= bench.GOTO_RATE for f in (one, many)
        ),
        "every status and report right": not one.wrong and not many.wrong,
    }
    if many.keys >= many.workers:
        goal = SPEED_UP_GOAL * many.workers
        goals[f"speed-up >= {goal:g}x (keys >= workers)"] = speed_up >= goal
    for name, met in goals.items():
        print(f"{'PASS' if met else 'FAIL'}  {name}")
    return goals
