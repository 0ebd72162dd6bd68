"""Several real `viltbot worker` processes on one PostgreSQL, against the GoTo sandbox (in a
process of its own, GoTo's 10 requests/s per consumer key on) and the Slack stand-in."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from bench import sync as bench
from bench.workers import worker_env
from bot.bootstrap import Runtime, build_runtime
from domain.models import Enrollment
from sandbox.slack.web_api import SlackStandIn, run_standin_server
from tests.e2e.conftest import BOT, TOKEN, WEB_API_SPEC, stack_settings

TEAM_CHANNEL = "C0BENCHTRAIN"
INSTRUCTOR = "U0BENCHADMIN"


@dataclass
class World:
    """The sandbox, the stand-in and the database, filled with finished sessions."""

    database_url: str
    goto_url: str
    slack_url: str
    standin: SlackStandIn
    runtime: Runtime
    planned: list[bench.Planned]
    session_ids: list[int]
    folder: Path

    def env(self, **extra: str) -> dict[str, str]:
        """A worker's environment."""
        return worker_env(self.database_url, self.slack_url, self.goto_url, **extra)

    async def goto_requests(self) -> list[dict[str, Any]]:
        """Every API request the sandbox received."""
        return await bench.goto_requests(self.goto_url)

    def posts(self) -> Counter[int]:
        """How many times each notice was posted (chat.postMessage calls Slack took)."""
        posted: Counter[int] = Counter()
        for call in self.standin.calls_to("chat.postMessage"):
            if call.status != 200 or not (call.response or {}).get("ok"):
                continue
            metadata: Any = call.args.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            posted[int(metadata["event_payload"]["notice_id"])] += 1
        return posted


def require_postgres(database_url: str) -> None:
    """Skip on SQLite, which runs one viltbot process (CI runs these on PostgreSQL)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several viltbot processes need PostgreSQL (SQLite runs one process)")


@pytest.fixture
def make_world(database_url: str, tmp_path: Path) -> Any:
    """Build a World of `locations` consumer keys times `sessions` finished webinars (a factory)."""

    @contextlib.asynccontextmanager
    async def build(
        locations: int, sessions: int, learners: int, *, latency: float = 0.0
    ) -> AsyncIterator[World]:
        require_postgres(database_url)
        now = datetime.now(UTC)
        planned = bench.plan(locations, sessions, learners, now=now)
        scenario_file = tmp_path / "scenario.json"
        scenario_file.write_text(json.dumps(bench.scenario(planned, locations)), "utf-8")
        standin = SlackStandIn(WEB_API_SPEC)
        async with (
            bench.sandbox_process(scenario_file, latency) as (goto_url, _pid),
            run_standin_server(standin) as slack_url,
        ):
            tokens = await bench.link_tokens(goto_url, locations)
            await bench.registrant_keys(goto_url, planned)
            runtime = build_runtime(stack_settings(database_url, slack_url, goto_url))
            try:
                workspace = await bench.fill_database(runtime, planned, tokens, now=now)
                ids = await bench.session_ids(runtime, planned)
                standin.add_workspace(workspace, TOKEN, BOT, "Bench")
                standin.add_channel(workspace, TEAM_CHANNEL, "training")
                standin.add_user(workspace, INSTRUCTOR, "instructor", "boss@acme.test")
                async with runtime.engine.connect() as conn:
                    learners_ids = (await conn.execute(select(col(Enrollment.user_id)))).scalars()
                    for user_id in learners_ids:
                        standin.add_user(workspace, user_id, user_id.lower())
                yield World(
                    database_url,
                    goto_url,
                    slack_url,
                    standin,
                    runtime,
                    planned,
                    ids,
                    tmp_path,
                )
            finally:
                await runtime.close()

    return build
