"""Benchmark: slash-command ack and reply latency, and notice delivery throughput.

Runs the real bot (HTTP, Bolt, SQLite or PostgreSQL) against the Slack stand-in on loopback:

    .venv/bin/python -m bench.round_trip                      # SQLite in a temp folder
    DATABASE_URL=postgresql://root@127.0.0.1/test .venv/bin/python -m bench.round_trip

Slack's limit is 3 seconds for the ack; the reply is what the user waits for.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bot.bootstrap import build_runtime
from bot.server import create_web_app
from bot.settings import Settings
from db.migrate import upgrade
from db.uow import SqlUnitOfWork
from domain.services.identity import ensure_workspace
from domain.services.notices import enqueue_notice
from sandbox.serving import serve_in_loop
from sandbox.slack.payloads import SlackRequests
from sandbox.slack.signing import post_signed
from sandbox.slack.web_api import SlackStandIn, run_standin_server

TEAM, TOKEN, ADMIN, CHANNEL = "T0BENCH001", "xoxb-bench", "U0BENCHADM", "C0BENCHTRN"
SECRET = "bench-signing-secret"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of the values, in milliseconds."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index] * 1000


async def run(commands: int, concurrency: int, notices: int, database_url: str | None) -> None:
    """Measure and print the figures."""
    run_id = uuid.uuid4().hex[:8]  # a reused database already holds earlier runs' rows
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        standin = SlackStandIn(validate=False)
        standin.add_workspace(TEAM, TOKEN, "U0VILTBOT1", "Bench")
        standin.add_channel(TEAM, CHANNEL, "training")
        standin.add_user(TEAM, ADMIN, "admin")
        async with run_standin_server(standin) as slack_url:
            settings = Settings.model_validate(
                {
                    "DATABASE_URL": url,
                    "SLACK_API_URL": slack_url,
                    "SLACK_BOT_TOKEN": TOKEN,
                    "SLACK_SIGNING_SECRET": SECRET,
                    "VILTBOT_SECRET_KEY": "bench-key",
                    "VILTBOT_ADMINS": ADMIN,
                }
            )
            runtime = build_runtime(settings)
            async with serve_in_loop(create_web_app(runtime, run_scheduler=False)) as base:
                requests = SlackRequests(standin=standin)
                events = f"{base}/slack/events"
                async with httpx.AsyncClient(timeout=30) as http:

                    async def command(text: str) -> tuple[float, float]:
                        before = len(standin.calls_to("response_url"))
                        body = requests.slash(text, ADMIN, TEAM, CHANNEL)
                        started = time.perf_counter()
                        response = await post_signed(http, events, SECRET, body)
                        acked = time.perf_counter() - started
                        assert response.status_code == 200, response.text
                        await standin.wait_for("response_url", count=before + 1, timeout=30)
                        return acked, time.perf_counter() - started

                    await command(f"team new Bench {run_id} <#{CHANNEL}|training>")
                    for _ in range(5):
                        await command("team list")
                    serial = [await command("team list") for _ in range(commands)]

                    async def client(n: int) -> list[tuple[float, float]]:
                        return [await command("help") for _ in range(n)]

                    started = time.perf_counter()
                    batches = await asyncio.gather(
                        *(client(commands // concurrency) for _ in range(concurrency))
                    )
                    wall = time.perf_counter() - started
                    parallel = [pair for batch in batches for pair in batch]

                async with SqlUnitOfWork(runtime.factory) as uow:
                    await ensure_workspace(uow, TEAM)
                    for i in range(notices):
                        await enqueue_notice(
                            uow,
                            workspace_id=TEAM,
                            kind="bench",
                            channel=CHANNEL,
                            text=f"notice {i}",
                            dedupe_key=f"bench:{run_id}:{i}",
                        )
                    await uow.commit()
                started = time.perf_counter()
                sent = 0
                while sent < notices:
                    sent += len((await runtime.outbox.deliver_due()).sent)
                delivery = time.perf_counter() - started

    print(f"database: {'PostgreSQL' if database_url else 'SQLite'}")
    for label, pairs in (("serial", serial), (f"{concurrency} concurrent", parallel)):
        acks = [a for a, _ in pairs]
        replies = [r for _, r in pairs]
        print(
            f"{label:>14}: n={len(pairs)}  ack p50 {percentile(acks, 50):.1f} ms  "
            f"p95 {percentile(acks, 95):.1f} ms  max {max(acks) * 1000:.1f} ms  |  "
            f"reply p50 {percentile(replies, 50):.1f} ms  p95 {percentile(replies, 95):.1f} ms  "
            f"mean {statistics.mean(replies) * 1000:.1f} ms"
        )
    print(f"  {concurrency} concurrent: {len(parallel) / wall:.0f} commands/s")
    print(f"  notices: {notices} delivered in {delivery:.2f} s ({notices / delivery:.0f}/s)")


def main() -> None:
    """Parse options and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--notices", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(run(args.commands, args.concurrency, args.notices, os.environ.get("DATABASE_URL")))


if __name__ == "__main__":
    main()
