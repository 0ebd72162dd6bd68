"""Serve an ASGI app with uvicorn inside the caller's event loop (tests, benchmarks, stand-ins)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Generator
from typing import Any, Literal

import uvicorn

# How long a served app may take to stop before it is cancelled.
STOP_SECONDS = 20.0


class _InLoopServer(uvicorn.Server):
    """uvicorn.Server that leaves signal handling to the host (pytest, the bot)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@contextlib.asynccontextmanager
async def serve_in_loop(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    lifespan: Literal["auto", "on", "off"] = "on",
    ws: Literal["auto", "none", "websockets", "websockets-sansio", "wsproto"] = "none",
    sock: socket.socket | None = None,
    name: str = "server",
) -> AsyncIterator[str]:
    """Yield `http://host:port` while uvicorn serves `app`; port 0 picks a free one.

    Pass a bound `sock` when the app must know its port before it is served.
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan=lifespan,
        http="h11",
        ws=ws,
        timeout_graceful_shutdown=2,
    )
    server = _InLoopServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock] if sock is not None else None))
    while not server.started:
        if task.done():
            exc = task.exception() if not task.cancelled() else None
            raise RuntimeError(f"{name} did not start on {host}:{port}: {exc!r}")
        await asyncio.sleep(0.005)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        # uvicorn waits up to its graceful timeout for connections, then runs the app's
        # shutdown; a shutdown that still does not end is cancelled rather than waited on.
        done, _ = await asyncio.wait({task}, timeout=STOP_SECONDS)
        if not done:
            server.force_exit = True
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, SystemExit):
            await task
