"""Refuse request bodies over a size limit (413) before they are read whole.

Slack's own payloads stay well under 1 MiB. A body is refused as soon as its declared
`Content-Length` is over the limit, and otherwise as soon as the bytes received so far pass it
(chunked bodies declare no length), so at most `limit` bytes of a body are ever held in memory.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024


class BodySizeLimit:
    """ASGI middleware: at most `limit` bytes of request body reach the app, or the client gets 413."""

    def __init__(self, app: ASGIApp, limit: int = DEFAULT_MAX_REQUEST_BYTES) -> None:
        if limit < 0:
            raise ValueError("the request body limit cannot be negative")
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is None:
            await _answer(send, 400, "Content-Length must be a whole number of bytes.")
            return
        if declared > self.limit:
            await self._refuse(scope, send)
            return
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its whole body
            received += len(message.get("body", b""))
            if received > self.limit:
                await self._refuse(scope, send)
                return
            messages.append(message)
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            # The body as it arrived, then whatever the server says next (e.g. a disconnect).
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        log.warning(
            "refused %s %s: request body over %d bytes",
            scope.get("method", "?"),
            scope.get("path", "?"),
            self.limit,
        )
        await _answer(
            send, 413, f"Request body too large: this server accepts at most {self.limit} bytes."
        )


def _content_length(scope: Scope) -> int | None:
    """The declared body length (0 when none is declared); None when the header is not a number."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() else None
    return 0


async def _answer(send: Send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode("ascii")),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
