"""Socket Mode end to end: envelopes over the bot's WebSocket in, acks back, rows and Slack calls out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import httpx
import pytest
import uvicorn
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from bot.bootstrap import Runtime, build_runtime
from bot.server import create_web_app
from bot.socket_mode import serve_with_socket_mode
from domain.models import Team
from sandbox.slack.payloads import SlackRequests
from sandbox.slack.socket_mode import (
    CONNECTIONS_OPEN,
    SlackSocketStandIn,
    run_socket_standin,
)
from sandbox.slack.web_api import RESPONSE_URL, SlackStandIn, run_standin_server
from tests.e2e.conftest import BOSS, TOKEN, TRAINING, WEB_API_SPEC, WS, seed_slack, stack_settings

APP_TOKEN = "xapp-1-A111-222-abc"
UNUSED_GOTO = "http://127.0.0.1:9"  # neither flow here reaches GoTo
WAIT = 5.0
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


@dataclass
class SocketStack:
    """A viltbot connected over Socket Mode, with its Slack stand-ins."""

    runtime: Runtime
    standin: SlackStandIn
    socket: SlackSocketStandIn
    requests: SlackRequests
    http_url: str

    async def teams(self) -> list[Team]:
        """All Team rows."""
        async with self.runtime.factory() as session:
            return list((await session.execute(select(Team))).scalars().all())


@pytest.fixture
async def socket_stack(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[SocketStack]:
    """Web API stand-in + Socket Mode stand-in + the bot's Socket Mode connection and HTTP server."""
    for name in PROXY_VARIABLES:
        # slack_sdk's socket client sends even loopback WebSockets through a proxy from the env.
        monkeypatch.delenv(name, raising=False)
    standin = SlackStandIn(WEB_API_SPEC)
    seed_slack(standin)
    socket = SlackSocketStandIn(APP_TOKEN)
    socket.install(standin)
    async with run_standin_server(standin) as slack_url, run_socket_standin(socket):
        settings = stack_settings(
            database_url, slack_url, UNUSED_GOTO, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=""
        )
        assert settings.socket_mode
        runtime = build_runtime(settings)
        app = create_web_app(runtime, run_scheduler=False)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=0,
                log_level="warning",
                access_log=False,
                timeout_graceful_shutdown=2,
            )
        )
        running = asyncio.create_task(serve_with_socket_mode(runtime, server))
        try:
            await socket.wait_connected(timeout=WAIT)
            async with asyncio.timeout(WAIT):
                while not server.started:
                    assert not running.done(), running
                    await asyncio.sleep(0.01)
            port = server.servers[0].sockets[0].getsockname()[1]
            yield SocketStack(
                runtime=runtime,
                standin=standin,
                socket=socket,
                requests=SlackRequests(standin=standin),
                http_url=f"http://127.0.0.1:{port}",
            )
        finally:
            server.should_exit = True
            # Bounded: a bot stuck (re)connecting is cancelled here, which still closes its socket.
            await asyncio.wait_for(running, WAIT)
    assert not socket.connected, "the bot left its WebSocket open"
    assert standin.violations == [], standin.violations
    assert socket.violations == [], socket.violations


def slash_payload(requests: SlackRequests, text: str, user: str = BOSS) -> dict[str, Any]:
    """A `/vilt` command as the payload of a slash_commands envelope (Slack's form fields)."""
    return dict(parse_qsl(requests.slash(text, user, WS), keep_blank_values=True))


async def test_the_bot_opens_its_websocket_with_the_app_token(socket_stack: SocketStack) -> None:
    (opened,) = socket_stack.standin.calls_to(CONNECTIONS_OPEN)
    assert opened.token == APP_TOKEN and opened.response == {
        "ok": True,
        "url": opened.response["url"],
    }
    assert list(socket_stack.socket.tickets.values()) == [True]
    assert socket_stack.socket.messages[0]["type"] == "hello"
    # The app-level token opens the socket and nothing else.
    assert [c.method for c in socket_stack.standin.calls if c.token == APP_TOKEN] == [
        CONNECTIONS_OPEN
    ]
    async with httpx.AsyncClient(timeout=WAIT) as http:
        health = await http.get(f"{socket_stack.http_url}/healthz")
        # Slack's traffic comes over the socket: no unsigned HTTP door is left open.
        events = await http.post(f"{socket_stack.http_url}/slack/events", content=b"{}")
    assert health.status_code == 200, health.text
    assert events.status_code == 404


async def test_slash_command_over_socket_mode_creates_a_team(socket_stack: SocketStack) -> None:
    payload = slash_payload(socket_stack.requests, f"team new Sales <#{TRAINING}|training>")
    ack = await socket_stack.socket.push("slash_commands", payload, timeout=WAIT)
    assert socket_stack.socket.acks == [ack] and ack.seconds < 3
    (reply,) = await socket_stack.standin.wait_for(RESPONSE_URL, timeout=WAIT)
    assert reply.args["response_type"] == "ephemeral", reply.args
    assert "Team *Sales* created" in reply.args["text"] and f"<#{TRAINING}>" in reply.args["text"]
    (team,) = await socket_stack.teams()
    assert (team.name, team.channel_id, team.workspace_id) == ("Sales", TRAINING, WS)
    assert all(
        c.token == TOKEN for c in socket_stack.standin.calls if c.method == "conversations.info"
    )


async def test_app_home_opened_event_publishes_the_home_tab(socket_stack: SocketStack) -> None:
    requests = socket_stack.requests
    event = requests.event_callback(requests.app_home_opened(BOSS, WS), WS)
    ack = await socket_stack.socket.push("events_api", event, timeout=WAIT)
    assert ack.payload is None  # events are acked empty
    (publish,) = await socket_stack.standin.wait_for("views.publish", timeout=WAIT)
    assert publish.token == TOKEN and publish.args["user_id"] == BOSS
    assert publish.args["view"]["type"] == "home"
    assert "You are a viltbot admin and not in any team yet" in json.dumps(publish.args["view"])


async def test_the_bot_reconnects_when_slack_refreshes_the_socket(
    socket_stack: SocketStack,
) -> None:
    await socket_stack.socket.disconnect("refresh_requested")
    await socket_stack.socket.wait_connected(count=2, timeout=WAIT)
    assert len(socket_stack.standin.calls_to(CONNECTIONS_OPEN)) == 2
    assert list(socket_stack.socket.tickets.values()) == [True, True]
    await socket_stack.socket.push(
        "slash_commands", slash_payload(socket_stack.requests, "help"), timeout=WAIT
    )
    (reply,) = await socket_stack.standin.wait_for(RESPONSE_URL, timeout=WAIT)
    assert "/vilt team new" in reply.args["text"]


async def test_the_standin_holds_the_bot_to_app_tokens_and_fresh_tickets(
    socket_stack: SocketStack,
) -> None:
    base_url = socket_stack.standin.base_url
    assert base_url is not None
    bot_client = AsyncWebClient(token=TOKEN, base_url=base_url)
    with pytest.raises(SlackApiError) as refused:
        await bot_client.apps_connections_open(app_token=TOKEN)
    assert refused.value.response["error"] == "not_allowed_token_type"
    app_client = AsyncWebClient(token=APP_TOKEN, base_url=base_url)
    with pytest.raises(SlackApiError) as not_a_bot:
        await app_client.chat_postMessage(channel=TRAINING, text="hi")
    assert not_a_bot.value.response["error"] == "invalid_auth"
    spent = socket_stack.standin.calls_to(CONNECTIONS_OPEN)[0].response["url"]
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await http.ws_connect(spent, timeout=aiohttp.ClientWSTimeout(ws_close=WAIT))
    assert len(socket_stack.socket.refused) == 1
