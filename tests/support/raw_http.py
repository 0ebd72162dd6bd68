"""HTTP/1.1 over a bare socket, for what an HTTP client will not do: declare a body and not send it."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


async def declare_body(
    base_url: str, path: str, length: int, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """POST `path` with `Content-Length: length`, send no body, return the status and raw answer.

    A server that waits for the body before answering never answers: the read times out.
    """
    parts = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    lines = [f"POST {path} HTTP/1.1", "Host: bot", f"Content-Length: {length}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(4096), timeout=10)
    finally:
        writer.close()
    return int(answer.split(b" ", 2)[1]), answer
