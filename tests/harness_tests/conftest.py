"""Fixtures for the harness tests: a seeded Slack stand-in served on loopback."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack.web_api import SlackStandIn, run_standin_server
from tests.support.shared import SHARED, SPECS

WEB_API_SPEC = SPECS / "slack-web-api.openapi-v2.json"
EVENTS_SPEC = SPECS / "slack-events-api.asyncapi-v1.json"
FIXTURES = SHARED / "fixtures" / "slack"

TEAM = "T0VILT0001"
TOKEN = "xoxb-1111-team-one"
BOT_USER = "U0VILTBOT1"
OTHER_TEAM = "T0VILT0002"
OTHER_TOKEN = "xoxb-2222-team-two"
GENERAL = "C0GENERAL1"
TRAINING = "C0TRAINING"
OUTSIDE = "C0OUTSIDE1"  # public, bot not a member
SECRET_ROOM = "G0SECRET01"  # private, bot not a member
PRIVATE_IN = "G0PRIVIN01"  # private, bot is a member
OLD = "C0ARCHIVED"  # archived
ADA = "U0ADA00001"
GRACE = "U0GRACE001"


def seed(standin: SlackStandIn) -> SlackStandIn:
    """Two workspaces with channels in every state and a small user directory."""
    standin.add_workspace(TEAM, TOKEN, BOT_USER, "Vilt One")
    standin.add_workspace(OTHER_TEAM, OTHER_TOKEN, "U0VILTBOT2", "Vilt Two")
    standin.add_channel(TEAM, GENERAL, "general")
    standin.add_channel(TEAM, TRAINING, "training")
    standin.add_channel(TEAM, OUTSIDE, "outside", is_member=False)
    standin.add_channel(TEAM, SECRET_ROOM, "secret", is_private=True, is_member=False)
    standin.add_channel(TEAM, PRIVATE_IN, "managers", is_private=True)
    standin.add_channel(TEAM, OLD, "old-stuff", is_archived=True)
    standin.add_channel(OTHER_TEAM, "C0TWOGEN01", "general")
    standin.add_user(TEAM, ADA, "ada", "ada@example.com", real_name="Ada Lovelace")
    standin.add_user(TEAM, GRACE, "grace", "grace@example.com", "America/New_York")
    standin.add_user(TEAM, "U0GONE0001", "gone", deleted=True)
    return standin


@pytest.fixture
def standin() -> SlackStandIn:
    return seed(SlackStandIn(WEB_API_SPEC))


@pytest.fixture
async def api_url(standin):
    async with run_standin_server(standin) as base_url:
        yield base_url


@pytest.fixture
async def client(api_url):
    web = AsyncWebClient(token=TOKEN, base_url=api_url, timeout=10)
    yield web
    if web.session is not None:
        await web.session.close()
