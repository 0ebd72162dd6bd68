"""Starlette app: Slack endpoints, health, and the lifespan that runs the jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from slack_bolt.adapter.starlette.async_handler import (
    AsyncSlackRequestHandler,
    to_async_bolt_request,
    to_starlette_response,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.bootstrap import Runtime
from bot.web.body_limit import BodySizeLimit
from bot.web.goto_oauth import BackToSlack, goto_oauth_routes
from bot.web.metrics import metrics_route
from bot.web.slack_requests import Refusal, SlackRequestCheck, log_refusal
from bot.web.slack_updates import LinkAnnouncer

log = logging.getLogger(__name__)

# A load balancer probing /healthz gets an answer within 2 seconds, whatever the database does.
HEALTH_DATABASE_SECONDS = 1.5


async def database_check(engine: AsyncEngine) -> str:
    """Say "ok", or why the database cannot be used, within HEALTH_DATABASE_SECONDS."""

    async def ping() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), HEALTH_DATABASE_SECONDS)
    except TimeoutError:
        return "unreachable (no answer in time)"
    except Exception as exc:
        return f"unreachable ({type(exc).__name__})"
    return "ok"


def runtime_metrics(runtime: Runtime) -> Route:
    """GET /metrics of this runtime, behind VILTBOT_METRICS_TOKEN when it is set."""
    token = runtime.settings.metrics_token
    return metrics_route(
        runtime.metrics,
        runtime.engine,
        lambda: runtime.clock(),
        token=token.get_secret_value().strip() if token else None,
    )


def create_metrics_app(runtime: Runtime) -> Starlette:
    """GET /metrics alone: what `viltbot worker --metrics-port` serves (its jobs' counters)."""
    return Starlette(routes=[runtime_metrics(runtime)])


def create_web_app(
    runtime: Runtime, *, run_scheduler: bool = True, extra_routes: list[BaseRoute] | None = None
) -> Starlette:
    """The HTTP face of viltbot."""
    handler = AsyncSlackRequestHandler(runtime.slack_app)
    secret = runtime.settings.slack_signing_secret
    check = SlackRequestCheck(secret.get_secret_value() if secret else "")

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        refusal = check.refusal(request.headers, body)
        if refusal is None:
            try:
                bolt_request = to_async_bolt_request(request, body)
            except (AttributeError, KeyError, TypeError, ValueError):
                refusal = Refusal(400, "the body is not shaped like a request from Slack")
            else:
                return to_starlette_response(await runtime.slack_app.async_dispatch(bolt_request))
        log_refusal(request.url.path, refusal)
        return refusal.response()

    async def slack_oauth(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(request: Request) -> Response:
        checks = {"database": await database_check(runtime.engine)}
        scheduler = runtime.scheduler
        checks["scheduler"] = (
            "running" if scheduler is not None and scheduler.running else "stopped"
        )
        healthy = checks["database"] == "ok" and (
            checks["scheduler"] == "running" or not run_scheduler
        )
        return JSONResponse({"ok": healthy, **checks}, status_code=200 if healthy else 503)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        runtime_metrics(runtime),
    ]
    if not runtime.settings.socket_mode:
        # Over Socket Mode Slack's traffic arrives on the WebSocket; no signed endpoint is open.
        routes.append(Route("/slack/events", slack_events, methods=["POST"]))
    if runtime.settings.multi_workspace:
        routes += [
            Route("/slack/install", slack_oauth, methods=["GET"]),
            Route("/slack/oauth_redirect", slack_oauth, methods=["GET"]),
        ]
    back = BackToSlack(app=runtime.settings.slack_app_url, web=runtime.settings.slack_web_url)
    announcer = LinkAnnouncer(runtime.slack_clients, runtime.deps)
    routes += goto_oauth_routes(runtime.deps, announcer, back=back, clock=lambda: runtime.clock())
    routes += extra_routes or []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        for start in runtime.starters:
            await start()
        if run_scheduler:
            runtime.start_scheduler()
        try:
            yield
        finally:
            await runtime.close()

    # Outermost: no route reads more than the limit, whatever it is.
    limit = Middleware(BodySizeLimit, limit=runtime.settings.max_request_bytes)
    return Starlette(routes=routes, lifespan=lifespan, middleware=[limit])
