"""Several `viltbot worker` processes on one PostgreSQL: start them, wait for their work, read
what GoTo saw (used by `bench.sync --workers N` and the scale-out tests)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from domain.models import Notice, NoticeStatus, Session
from tests.e2e.conftest import SECRET_KEY, SIGNING_SECRET, TOKEN

ROOT = Path(__file__).resolve().parents[1]


def worker_env(database_url: str, slack_url: str, goto_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker wired to the stand-ins (`extra`: more settings)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VILTBOT_", "SLACK_", "GOTO_", "DATABASE_URL"))
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "SLACK_API_URL": slack_url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "VILTBOT_SECRET_KEY": SECRET_KEY,
            "GOTO_AUTH_URL": goto_url,
            "GOTO_API_URL": goto_url,
            "PUBLIC_URL": "http://127.0.0.1:9",
            "VILTBOT_SYNC_POLL_SECONDS": "1",
            "VILTBOT_NOTICE_POLL_SECONDS": "0.5",
        }
    )
    env.update(extra)
    return env


@dataclass
class Workers:
    """Running `viltbot worker` processes and the files their output goes to."""

    folder: Path
    env: dict[str, str]
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)

    async def start(self, count: int = 1) -> list[asyncio.subprocess.Process]:
        """Start `count` more workers."""
        started = []
        for _ in range(count):
            number = len(self.processes)
            log = (self.folder / f"worker-{number}.log").open("wb")
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "worker",
                cwd=self.folder,
                env=self.env,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
            log.close()
            self.processes.append(process)
            started.append(process)
        return started

    def kill(self, process: asyncio.subprocess.Process) -> None:
        """SIGKILL a worker: no clean-up of any kind."""
        process.send_signal(signal.SIGKILL)

    async def running(self, within: float = 60.0) -> None:
        """Wait until every worker started has its jobs running."""
        started = time.perf_counter()
        while not all(
            "worker running" in (self.folder / f"worker-{n}.log").read_text(errors="replace")
            for n in range(len(self.processes))
        ):
            if time.perf_counter() - started > within:
                raise TimeoutError(f"the workers did not start\n{self.logs()}")
            await asyncio.sleep(0.1)

    def logs(self) -> str:
        """Every worker's output, for a failing test's message."""
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.folder.glob("worker-*.log"))
        )

    async def stop(self) -> None:
        """Stop every worker still running (SIGTERM, then SIGKILL)."""
        for process in self.processes:
            if process.returncode is None:
                process.terminate()
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()


@contextlib.asynccontextmanager
async def workers(folder: Path, env: dict[str, str]) -> AsyncIterator[Workers]:
    """Workers started with `Workers.start`, all stopped on the way out."""
    running = Workers(folder, env)
    try:
        yield running
    finally:
        await running.stop()


async def wait_until_done(
    engine: AsyncEngine,
    session_ids: Sequence[int],
    *,
    within: float,
    running: Workers,
    notices: bool = True,
) -> float:
    """Wait until every session's final run is done and (with `notices`) no notice waits to be
    posted; the seconds it took. Raises TimeoutError (with the workers' output) past `within`
    seconds."""
    started = time.perf_counter()
    while True:
        async with engine.connect() as conn:
            open_sessions = (
                await conn.execute(
                    select(func.count())
                    .select_from(Session)
                    .where(col(Session.id).in_(session_ids), col(Session.sync_done_at).is_(None))
                )
            ).scalar_one()
            waiting = (
                await conn.execute(
                    select(func.count())
                    .select_from(Notice)
                    .where(col(Notice.status).in_([NoticeStatus.PENDING, NoticeStatus.SENDING]))
                )
            ).scalar_one()
        if open_sessions == 0 and (waiting == 0 or not notices):
            return time.perf_counter() - started
        if time.perf_counter() - started > within:
            raise TimeoutError(
                f"{open_sessions} sessions not synced, {waiting} notices not posted after "
                f"{within:g} s\n{running.logs()}"
            )
        await asyncio.sleep(0.1)


def one_second_peaks(requests: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Per consumer key, the most API requests GoTo received within any one second."""
    arrivals: dict[str, list[float]] = defaultdict(list)
    for request in requests:
        if request.get("client_id"):
            arrivals[str(request["client_id"])].append(float(request["received"]))
    peaks = {}
    for key, times in arrivals.items():
        times.sort()
        peak, first = 0, 0
        for last, at in enumerate(times):
            while at - times[first] >= 1.0:
                first += 1
            peak = max(peak, last - first + 1)
        peaks[key] = peak
    return peaks
