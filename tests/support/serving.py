"""Serve an ASGI app on a free loopback port inside the test's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any, Literal

import uvicorn


@contextlib.asynccontextmanager
async def serve_in_loop(
    app: Any,
    *,
    lifespan: Literal["auto", "on", "off"] = "on",
    sock: socket.socket | None = None,
) -> AsyncIterator[str]:
    """Yield the base URL (`http://127.0.0.1:N`) while uvicorn serves `app`.

    Pass a bound `sock` when the app must know its port before it is served.
    """
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        access_log=False,
        lifespan=lifespan,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock] if sock is not None else None))
    while not server.started:
        if task.done():
            raise RuntimeError(f"server did not start: {task.exception()!r}")
        await asyncio.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
