"""The stand-in's conversations.history and late answers, driven by slack_sdk over loopback."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack.web_api import SlackStandIn, run_standin_server
from tests.harness_tests.conftest import (
    ADA,
    GENERAL,
    OUTSIDE,
    PRIVATE_IN,
    SECRET_ROOM,
    TEAM,
    TOKEN,
    TRAINING,
    WEB_API_SPEC,
    seed,
)

METADATA = {"event_type": "viltbot_notice", "event_payload": {"notice_id": 7}}


@pytest.fixture
def standin() -> SlackStandIn:
    return seed(SlackStandIn(WEB_API_SPEC))


@pytest.fixture
async def client(standin):
    async with run_standin_server(standin) as base_url:
        web = AsyncWebClient(token=TOKEN, base_url=base_url, timeout=10)
        yield web
        if web.session is not None:
            await web.session.close()


async def post(client: AsyncWebClient, text: str, channel: str = TRAINING, **kwargs) -> str:
    answer = await client.chat_postMessage(channel=channel, text=text, **kwargs)
    return str(answer["ts"])


async def test_history_lists_newest_first_and_metadata_only_when_asked(standin, client) -> None:
    first = await post(client, "first", metadata=METADATA)
    second = await post(client, "second")
    plain = await client.conversations_history(channel=TRAINING)
    assert [m["text"] for m in plain["messages"]] == ["second", "first"]
    assert [m["ts"] for m in plain["messages"]] == [second, first]
    assert all("metadata" not in m for m in plain["messages"])
    assert plain["has_more"] is False
    full = await client.conversations_history(channel=TRAINING, include_all_metadata=True)
    assert full["messages"][1]["metadata"] == METADATA
    assert standin.violations == []


async def test_history_timestamps_follow_the_wall_clock(client) -> None:
    before = time.time()
    ts = float(await post(client, "now"))
    assert before - 0.001 <= ts <= time.time() + 0.001


async def test_oldest_latest_inclusive_and_limit_with_cursor(standin, client) -> None:
    stamps = [await post(client, f"m{i}") for i in range(5)]
    after_first = await client.conversations_history(channel=TRAINING, oldest=stamps[0])
    assert [m["text"] for m in after_first["messages"]] == ["m4", "m3", "m2", "m1"]
    inclusive = await client.conversations_history(
        channel=TRAINING, oldest=stamps[1], latest=stamps[3], inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1"]
    page = await client.conversations_history(channel=TRAINING, limit=2)
    assert [m["text"] for m in page["messages"]] == ["m4", "m3"] and page["has_more"] is True
    cursor = page["response_metadata"]["next_cursor"]
    rest = await client.conversations_history(channel=TRAINING, limit=10, cursor=cursor)
    assert [m["text"] for m in rest["messages"]] == ["m2", "m1", "m0"]
    assert rest["has_more"] is False
    assert standin.violations == []


async def test_history_of_a_dm_opened_by_posting_to_a_user(client) -> None:
    posted = await client.chat_postMessage(channel=ADA, text="hello Ada", metadata=METADATA)
    history = await client.conversations_history(
        channel=posted["channel"], include_all_metadata=True
    )
    assert [m["metadata"] for m in history["messages"]] == [METADATA]


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        (OUTSIDE, "not_in_channel"),
        (SECRET_ROOM, "channel_not_found"),
        ("C0NOWHERE1", "channel_not_found"),
    ],
)
async def test_history_refuses_channels_the_bot_cannot_read(client, channel, error) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.conversations_history(channel=channel)
    assert caught.value.response["error"] == error


async def test_history_needs_the_scope_of_the_channel_type(standin, client) -> None:
    workspace = standin.workspaces[TEAM]
    workspace.scopes = tuple(s for s in workspace.scopes if s != "groups:history")
    assert (await client.conversations_history(channel=GENERAL))["ok"]
    with pytest.raises(SlackApiError) as caught:
        await client.conversations_history(channel=PRIVATE_IN)
    assert caught.value.response["error"] == "missing_scope"
    assert caught.value.response["needed"] == "groups:history"


async def test_a_late_answer_still_posts_the_message(standin, client) -> None:
    standin.inject("chat.postMessage", answer_delay=1.5)
    impatient = AsyncWebClient(token=TOKEN, base_url=client.base_url, timeout=1)
    with pytest.raises(asyncio.TimeoutError):
        await impatient.chat_postMessage(channel=TRAINING, text="slow")
    # Slack carried the post out although the client stopped waiting for the answer.
    assert [m["text"] for m in standin.messages(TRAINING)] == ["slow"]
    assert standin.calls_to("chat.postMessage")[0].fault == "answer_delay=1.5"


async def test_a_lost_answer_still_posts_the_message(standin, client) -> None:
    standin.inject("chat.postMessage", answer_lost=True)
    with pytest.raises(aiohttp.ClientError):
        await client.chat_postMessage(channel=TRAINING, text="posted, answer lost")
    assert [m["text"] for m in standin.messages(TRAINING)] == ["posted, answer lost"]
    assert standin.calls_to("chat.postMessage")[0].fault == "answer_lost"
    # The next call is answered as usual.
    assert (await client.chat_postMessage(channel=TRAINING, text="next"))["ok"]
