"""A lost connection is retried, but never by re-sending a post that may have reached Slack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.slack.clients import web_client


class DroppingSlack:
    """A Slack that reads each request and hangs up without answering, the first `drops` times."""

    def __init__(self, drops: int) -> None:
        self.drops = drops
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ),
            0,
        )
        body = await reader.readexactly(length)
        self.requests.append(head.split(b" ")[1] + b" " + body)
        if len(self.requests) <= self.drops:
            writer.transport.abort()  # the request arrived; the answer never leaves
            return
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
            b'Content-Length: 11\r\n\r\n{"ok":true}'
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def dropping() -> AsyncIterator[tuple[DroppingSlack, str]]:
    slack = DroppingSlack(drops=1)
    server = await asyncio.start_server(slack.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield slack, f"http://127.0.0.1:{port}/api/"


async def test_a_post_whose_connection_dropped_is_not_sent_twice(dropping) -> None:
    slack, url = dropping
    client = web_client(url, "xoxb-test", timeout=5)
    with pytest.raises(Exception) as caught:
        await client.chat_postMessage(channel="C0TRAINING", text="once")
    assert type(caught.value).__module__.startswith("aiohttp")
    assert len(slack.requests) == 1


async def test_a_read_whose_connection_dropped_is_retried(dropping) -> None:
    slack, url = dropping
    client = web_client(url, "xoxb-test", timeout=5)
    answer = await client.conversations_info(channel="C0TRAINING")
    assert answer["ok"] and len(slack.requests) == 2
