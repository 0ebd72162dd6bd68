"""GET /metrics: the operators' Prometheus scrape, behind an optional bearer token."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.metrics.database import read_snapshot
from bot.metrics.registry import Metrics

log = logging.getLogger(__name__)

# A scrape gives up on the database well within Prometheus' default 10 s scrape timeout.
METRICS_DATABASE_SECONDS = 2.0


def bearer_matches(authorization: str | None, token: str) -> bool:
    """True when the Authorization header is `Bearer <token>` (compared in constant time)."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_route(
    metrics: Metrics,
    engine: AsyncEngine,
    clock: Callable[[], datetime],
    *,
    token: str | None = None,
) -> Route:
    """The /metrics route; with a `token`, only requests bearing it are answered."""

    async def scrape(request: Request) -> Response:
        if token and not bearer_matches(request.headers.get("authorization"), token):
            return PlainTextResponse(
                "metrics need an Authorization: Bearer token (VILTBOT_METRICS_TOKEN)\n",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="viltbot metrics"'},
            )
        try:
            snapshot = await asyncio.wait_for(
                read_snapshot(engine, clock()), METRICS_DATABASE_SECONDS
            )
        except TimeoutError:
            log.warning("metrics: the database did not answer in time")
            return PlainTextResponse(
                "database not answering (no answer in time)\n", status_code=503
            )
        except Exception as exc:
            log.warning("metrics: the database could not be read (%s)", type(exc).__name__)
            return PlainTextResponse(
                f"database not answering ({type(exc).__name__})\n", status_code=503
            )
        return Response(metrics.render(snapshot), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", scrape, methods=["GET"])
