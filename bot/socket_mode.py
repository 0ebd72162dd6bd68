"""Socket Mode: Slack's traffic over a WebSocket the bot opens; HTTP still serves health and OAuth."""

from __future__ import annotations

import asyncio

import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from starlette.types import ASGIApp

from bot.bootstrap import Runtime
from bot.slack.clients import web_client


def build_socket_mode_handler(runtime: Runtime) -> AsyncSocketModeHandler:
    """Bolt's Socket Mode handler, opening its WebSocket URL at SLACK_API_URL with the app token."""
    settings = runtime.settings
    if settings.slack_app_token is None:
        raise ValueError("SLACK_APP_TOKEN (xapp-…) is required for Socket Mode")
    app_token = settings.slack_app_token.get_secret_value()
    # This client only calls apps.connections.open, which takes the app-level token, never a bot
    # token; pointing it at SLACK_API_URL keeps stand-ins and proxies in the loop.
    client = web_client(settings.slack_api_url, app_token)
    return AsyncSocketModeHandler(runtime.slack_app, app_token, web_client=client)


async def run_socket_mode(runtime: Runtime, app: ASGIApp, host: str, port: int) -> None:
    """Serve `app` over HTTP on host:port while Slack's traffic arrives over Socket Mode."""
    # Same server options as the HTTP-only path: our logging set-up (access-log redaction) stays.
    config = uvicorn.Config(
        app, host=host, port=port, log_level="info", proxy_headers=True, log_config=None
    )
    await serve_with_socket_mode(runtime, uvicorn.Server(config))


async def serve_with_socket_mode(runtime: Runtime, server: uvicorn.Server) -> None:
    """Serve HTTP, then connect to Slack over Socket Mode; the connection closes before the database."""
    # Built inside the running loop: the socket client starts its message task on creation.
    handler = build_socket_mode_handler(runtime)
    closed = False

    async def close() -> None:
        nonlocal closed
        if not closed:
            closed = True
            await handler.close_async()  # type: ignore[no-untyped-call]

    # Runtime.close (the web app's shutdown) runs this before it disposes of the engine, so no
    # envelope arrives to find the database gone.
    runtime.closers.append(close)
    serving = asyncio.create_task(server.serve())
    try:
        # Health and the OAuth pages answer even while Slack cannot be reached.
        while not server.started and not serving.done():  # noqa: ASYNC110 (uvicorn offers only a flag)
            await asyncio.sleep(0.01)
        if not serving.done():
            await handler.connect_async()  # type: ignore[no-untyped-call]
        await serving
    finally:
        if not serving.done():
            server.should_exit = True
            await asyncio.wait([serving], timeout=5)
        # Also after a failed or cancelled connect: the handler owns an aiohttp session.
        await close()
