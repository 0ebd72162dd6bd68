"""The whole bot over HTTP: signed Slack requests in, Slack stand-in and GoTo sandbox out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import SQLModel, select

from bot.bootstrap import Runtime, build_runtime
from bot.server import create_web_app
from bot.settings import Settings
from sandbox.goto import SandboxClock, create_goto_sandbox, default_scenario
from sandbox.serving import serve_in_loop
from sandbox.slack.web_api import SlackStandIn, run_standin_server
from tests.harness.slack_client import SlackSender
from tests.support.shared import SPECS

WEB_API_SPEC = SPECS / "slack-web-api.openapi-v2.json"

SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"
SECRET_KEY = "e2e-encryption-key"
WS = "T0ACME0001"
OTHER_WS = "T0GLOBEX01"
TOKEN = "xoxb-acme-bot-token"
OTHER_TOKEN = "xoxb-globex-bot-token"
BOT = "U0VILTBOT1"
BOSS = "U0BOSS0001"  # a first admin (VILTBOT_ADMINS)
ANN = "U0ANN00001"
BEN = "U0BEN00001"
CLAIRE = "U0CLAIRE01"
ROBOT = "U0ROBOT001"
GHOST = "U0GHOST001"
TRAINING = "C0TRAINING"
GENERAL = "C0GENERAL1"
SECRET_ROOM = "G0SECRET01"
ARCHIVED = "C0ARCHIVED"
OUTSIDE = "C0OUTSIDE1"


def seed_slack(standin: SlackStandIn) -> None:
    """Two workspaces; Acme has channels in every state and a few people."""
    standin.add_workspace(WS, TOKEN, BOT, "Acme")
    standin.add_workspace(OTHER_WS, OTHER_TOKEN, "U0VILTBOT2", "Globex")
    standin.add_channel(WS, TRAINING, "training")
    standin.add_channel(WS, GENERAL, "general")
    standin.add_channel(WS, SECRET_ROOM, "secret", is_private=True, is_member=False)
    standin.add_channel(WS, ARCHIVED, "old-stuff", is_archived=True)
    standin.add_channel(WS, OUTSIDE, "outside", is_member=False)
    standin.add_channel(OTHER_WS, "C0GLOBEX01", "general")
    standin.add_user(WS, BOSS, "boss", "boss@acme.test", real_name="Bo Boss")
    standin.add_user(WS, ANN, "ann", "ann@acme.test", real_name="Ann Admin")
    standin.add_user(WS, BEN, "ben", "ben@acme.test", real_name="Ben Learner")
    standin.add_user(WS, CLAIRE, "claire", "claire@acme.test", real_name="Claire Instructor")
    standin.add_user(WS, ROBOT, "robot", is_bot=True)
    standin.add_user(OTHER_WS, BOSS, "boss", "boss@globex.test")


@dataclass
class Stack:
    """A running viltbot with its outside world."""

    runtime: Runtime
    standin: SlackStandIn
    slack: SlackSender
    base_url: str
    goto_url: str
    goto_clock: SandboxClock
    goto_state: Any

    async def command(self, text: str, user: str = BOSS, team: str = WS, **kwargs: Any) -> str:
        """Send `/vilt text` and return the ephemeral reply the bot sent to the response_url."""
        before = len(self.standin.calls_to("response_url"))
        response = await self.slack.slash(text, user_id=user, team_id=team, **kwargs)
        assert response.status_code == 200, response.text
        calls = await self.standin.wait_for("response_url", count=before + 1)
        return str(calls[before].args.get("text", ""))

    async def count(self, model: type[SQLModel]) -> int:
        """Rows of a table."""
        async with self.runtime.factory() as session:
            return int(
                (await session.execute(select(func.count()).select_from(model))).scalar_one()
            )

    async def rows(self, model: type[SQLModel]) -> list[Any]:
        """All rows of a table."""
        async with self.runtime.factory() as session:
            return list((await session.execute(select(model))).scalars().all())


def stack_settings(database_url: str, slack_url: str, goto_url: str, **extra: Any) -> Settings:
    """Settings of a bot wired to the stand-ins."""
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "SLACK_API_URL": slack_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "VILTBOT_SECRET_KEY": SECRET_KEY,
        "VILTBOT_ADMINS": BOSS,
        "GOTO_AUTH_URL": goto_url,
        "GOTO_API_URL": goto_url,
        "PUBLIC_URL": "http://127.0.0.1:9",
    }
    values.update(extra)
    return Settings.model_validate(values)


@pytest.fixture
async def stack(database_url: str) -> AsyncIterator[Stack]:
    """Bot + Slack stand-in + GoTo sandbox, each on its own loopback port."""
    standin = SlackStandIn(WEB_API_SPEC)
    seed_slack(standin)
    clock = SandboxClock()
    goto_app = create_goto_sandbox(default_scenario(), clock=clock, rate_limit_per_second=None)
    async with (
        run_standin_server(standin) as slack_url,
        serve_in_loop(goto_app, lifespan="off") as goto_url,
    ):
        settings = stack_settings(database_url, slack_url, goto_url)
        runtime = build_runtime(settings)
        app = create_web_app(runtime, run_scheduler=False)
        async with serve_in_loop(app) as base_url:
            # The bot learns its own URL only now; links it hands out must point here.
            runtime.serve_at(base_url)
            async with SlackSender(base_url, SIGNING_SECRET, standin=standin) as sender:
                yield Stack(
                    runtime=runtime,
                    standin=standin,
                    slack=sender,
                    base_url=base_url,
                    goto_url=goto_url,
                    goto_clock=clock,
                    goto_state=goto_app.state.sandbox,
                )
    assert standin.violations == [], standin.violations
