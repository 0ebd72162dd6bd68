"""The body limit at the ASGI level: what a server that lets any header through would hand it."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from bot.web.body_limit import BodySizeLimit


async def _run(headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, bytes, bool]:
    reached: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(True)

    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/slack/events", "headers": headers}
    await BodySizeLimit(app, limit=10)(scope, receive, send)
    status = sent[0]["status"] if sent else 0
    return status, b"".join(m.get("body", b"") for m in sent[1:]), bool(reached)


async def test_a_content_length_that_is_not_a_number_is_refused_with_400() -> None:
    status, body, reached = await _run([(b"content-length", b"12a")], [b"x"])
    assert (status, reached) == (400, False)
    assert b"Content-Length" in body


async def test_a_body_that_ends_at_the_limit_reaches_the_app_and_one_past_it_does_not() -> None:
    assert await _run([], [b"12345", b"67890"]) == (0, b"", True)
    status, _, reached = await _run([], [b"12345", b"678901"])
    assert (status, reached) == (413, False)
