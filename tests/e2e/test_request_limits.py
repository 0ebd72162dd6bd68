"""Request bodies over the limit are refused with 413 before they are read whole, on every route."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx

from bot.bootstrap import build_runtime
from bot.server import create_web_app
from bot.web.body_limit import DEFAULT_MAX_REQUEST_BYTES
from tests.e2e.conftest import BOSS, SIGNING_SECRET, WS, Stack, stack_settings
from tests.harness.signing import sign
from tests.support.raw_http import declare_body

LIMIT = DEFAULT_MAX_REQUEST_BYTES


async def _raw_exchange(base_url: str, head: bytes, chunks: list[bytes]) -> tuple[bytes, int]:
    """Send `head`, then `chunks` until the server answers; return its answer and the bytes sent."""
    parts = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    sent = 0
    try:
        writer.write(head)
        await writer.drain()
        answer = asyncio.ensure_future(reader.read(4096))
        for chunk in chunks:
            if answer.done():
                break
            try:
                writer.write(chunk)
                await writer.drain()
            except ConnectionError:
                break  # the server closed its side after answering
            sent += len(chunk)
            await asyncio.sleep(0)
        return await asyncio.wait_for(answer, timeout=10), sent
    finally:
        writer.close()


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


async def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    stack: Stack,
) -> None:
    declared = 200 * 1024 * 1024
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: bot\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    answer, _ = await _raw_exchange(stack.base_url, head, [])
    assert _status(answer) == 413
    assert b"at most 1048576 bytes" in answer


async def test_a_chunked_body_is_refused_once_it_passes_the_limit(stack: Stack) -> None:
    chunk = b"a" * 65536
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: bot\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    # 200 MiB offered; the server answers after a little over 1 MiB.
    answer, sent = await _raw_exchange(stack.base_url, head, [framed] * 3200)
    assert _status(answer) == 413
    assert sent < 16 * LIMIT


async def test_a_signed_command_under_the_limit_is_still_answered(stack: Stack) -> None:
    reply = await stack.command("help " + "x" * (LIMIT // 2), user=BOSS, team=WS)
    assert reply


async def test_one_byte_over_the_limit_is_refused_even_when_signed(stack: Stack) -> None:
    body = "command=%2Fvilt&text=" + "x" * (LIMIT - len("command=%2Fvilt&text=") + 1)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SIGNING_SECRET, body)}
    status, _ = await declare_body(stack.base_url, "/slack/events", len(body), headers)
    assert status == 413
    assert stack.standin.calls_to("response_url") == []


async def test_the_limit_holds_on_the_oauth_callback_and_unknown_paths(stack: Stack) -> None:
    for path in ("/goto/oauth/callback", "/goto/oauth/start", "/nowhere"):
        status, _ = await declare_body(stack.base_url, path, LIMIT + 1)
        assert status == 413, path


async def test_the_limit_is_set_by_viltbot_max_request_bytes(database_url: str) -> None:
    settings = stack_settings(
        database_url,
        "http://127.0.0.1:9/api/",
        "http://127.0.0.1:9",
        VILTBOT_MAX_REQUEST_BYTES=4096,
    )
    runtime = build_runtime(settings)
    app = create_web_app(runtime, run_scheduler=False)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            small = await http.post("/nowhere", content=b"x" * 4096)
            big = await http.post("/nowhere", content=b"x" * 4097)
    finally:
        await runtime.close()
    assert (small.status_code, big.status_code) == (404, 413)
    assert "at most 4096 bytes" in big.text
