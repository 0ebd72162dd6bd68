"""Benchmark: registering a whole channel through the "Register people" modal, within GoTo's limit.

Runs the real bot (HTTP, Bolt, SQLite or PostgreSQL) against the Slack stand-in and the GoTo
sandbox with its rate limit on (10 requests a second per app, as GoTo), on loopback:

    .venv/bin/python -m bench.register_people                  # 300 people, SQLite
    .venv/bin/python -m bench.register_people --people 1000
    DATABASE_URL=postgresql://root@127.0.0.1/test .venv/bin/python -m bench.register_people

An admin opens the modal on a webinar session and picks a channel of N members; the clock runs
from the submission to the report message ("… is done"). The floor is what GoTo's rate limit
allows at best: the GoTo requests made, divided by 10 a second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bot.bootstrap import build_runtime
from bot.goto_events import GoToEventChecker
from bot.server import create_web_app
from bot.settings import Settings
from db.migrate import upgrade
from db.uow import SqlUnitOfWork
from domain.models import LearningElement, Location
from domain.services import sessions
from domain.services.identity import resolve_actor
from domain.session_rules import SessionForm
from handlers.session_views import REGISTER_PEOPLE_ACTION
from sandbox.goto import SandboxClock, create_goto_sandbox, default_scenario
from sandbox.serving import serve_in_loop
from sandbox.slack.web_api import SlackStandIn, run_standin_server
from tests.e2e.conftest import (
    BOSS,
    SIGNING_SECRET,
    TRAINING,
    WS,
    Stack,
    seed_slack,
    stack_settings,
)
from tests.e2e.locations_flow import admin_with_teams, consent, create_goto_location
from tests.harness.slack_client import SlackSender
from tests.support.shared import SPECS

WEBINAR = "1234500002"  # alice's webinar tomorrow; it takes 1,000 registrations
CHANNEL = "C0EVERYONE"
GOTO_RATE = 10.0


async def run(people: int, database_url: str | None) -> None:
    """Register `people` members of a channel and print the figures."""
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        standin = SlackStandIn(SPECS / "slack-web-api.openapi-v2.json")
        seed_slack(standin)
        standin.add_channel(WS, CHANNEL, "everyone")
        members = [f"U0P{n:07d}" for n in range(people)]
        for n, user_id in enumerate(members):
            standin.add_user(WS, user_id, f"person{n}", f"person{n}@acme.test", real_name=f"P {n}")
        standin.add_members(WS, CHANNEL, members)
        clock = SandboxClock()
        goto_app = create_goto_sandbox(
            default_scenario(), clock=clock, rate_limit_per_second=GOTO_RATE
        )
        async with (
            run_standin_server(standin) as slack_url,
            serve_in_loop(goto_app, lifespan="off") as goto_url,
        ):
            settings: Settings = stack_settings(url, slack_url, goto_url)
            runtime = build_runtime(settings)
            async with serve_in_loop(create_web_app(runtime, run_scheduler=False)) as base:
                runtime.serve_at(base)
                async with SlackSender(base, SIGNING_SECRET, standin=standin) as sender:
                    stack = Stack(
                        runtime, standin, sender, base, goto_url, clock, goto_app.state.sandbox
                    )
                    session_id = await webinar_session(stack)
                    view = await people_modal(stack, session_id)
                    state = goto_app.state.sandbox
                    state.requests.clear()
                    before = len(standin.calls_to("chat.update"))
                    started = time.perf_counter()
                    answer = await sender.view_submission(
                        view, {"channel": CHANNEL}, user_id=BOSS, team_id=WS
                    )
                    assert answer.status_code == 200, answer.text
                    report = await finished(stack, before)
                    wall = time.perf_counter() - started
                    requests = list(state.requests)
            await runtime.close()
    statuses = Counter(r["status"] for r in requests)
    floor = len(requests) / GOTO_RATE
    print(f"database: {'PostgreSQL' if database_url else 'SQLite'}")
    print(f"people: {people}  ->  {report}")
    print(
        f"wall time: {wall:.1f} s  |  GoTo requests: {len(requests)} "
        f"({', '.join(f'{n} x HTTP {s}' for s, n in sorted(statuses.items()))})"
    )
    print(
        f"rate-limit floor: {floor:.1f} s ({len(requests)} requests / {GOTO_RATE:g} per s)  |  "
        f"wall / floor: {wall / floor:.2f}  |  {people / wall:.1f} people/s"
    )


async def webinar_session(stack: Stack) -> int:
    """Sales' webinar location linked to alice@example.com, and a session on her webinar."""
    teams = await admin_with_teams(stack)
    link = await create_goto_location(stack, teams, max_learners="", name="Webinar Room")
    async with httpx.AsyncClient(timeout=10) as http:
        await consent(http, link, account="alice@example.com")
    await stack.command("element new Product Update")
    (element,) = await stack.rows(LearningElement)
    (location,) = await stack.rows(Location)
    form = SessionForm(
        element_id=element.id,
        location_id=location.id,
        instructor_id=BOSS,
        timezone="Europe/Berlin",
        goto_event=WEBINAR,
    )
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        boss = await resolve_actor(uow, WS, BOSS, first_admins=[BOSS])
        await uow.commit()
    created = await sessions.create_session(
        lambda: SqlUnitOfWork(stack.runtime.factory),
        boss,
        form,
        goto=GoToEventChecker(stack.runtime.goto),
    )
    assert created.session.id is not None
    return created.session.id


async def people_modal(stack: Stack, session_id: int) -> dict[str, Any]:
    """Click Register people on the session; the modal as Slack holds it."""
    before = len(stack.standin.calls_to("views.update"))
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Register people"},
        "action_id": REGISTER_PEOPLE_ACTION,
        "value": str(session_id),
    }
    message = {
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "."}, "accessory": button}
        ]
    }
    await stack.slack.block_action(
        REGISTER_PEOPLE_ACTION, user_id=BOSS, team_id=WS, message=message, channel_id=TRAINING
    )
    calls = await stack.standin.wait_for("views.update", count=before + 1)
    view = stack.standin.view(calls[before].args["view_id"])
    assert view is not None
    return view


async def finished(stack: Stack, before: int) -> str:
    """Wait for the report message; its first line."""
    while True:
        calls = await stack.standin.wait_for("chat.update", count=before + 1, timeout=600)
        before = len(calls)
        text = str(calls[-1].args.get("text"))
        if "is done" in text:
            return text
        await asyncio.sleep(0.05)


def main() -> None:
    """Parse options and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--people", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(run(args.people, os.environ.get("DATABASE_URL")))


if __name__ == "__main__":
    main()
