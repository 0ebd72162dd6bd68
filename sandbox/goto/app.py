"""The GoTo sandbox as one Starlette app: OAuth, identity, GoToWebinar, GoToTraining, controls."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .clock import SandboxClock
from .common import INVALID_TOKEN_BODY, TOO_MANY_REQUESTS_BODY, ApiError
from .control import ControlApi, ControlError
from .oauth import OAuthApi
from .records import SandboxError, iso
from .scenario import Scenario, default_scenario
from .state import SandboxState
from .training import TrainingApi
from .webinar import WebinarApi

TEMPLATES = Path(__file__).with_name("templates")


def _route_path(scope: Scope) -> str:
    # scope["path"] is the full path; strip the prefix this app is mounted under.
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path


class SandboxMiddleware:
    """Per-request latency, injected faults and the request log (not for /_sandbox itself)."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _route_path(scope)
        if path.startswith("/_sandbox/"):
            await self.app(scope, receive, send)
            return
        state = self.state
        # When the request arrived (wall clock, to the microsecond): what GoTo's limit counts.
        received = time.time()
        if state.settings.latency_seconds > 0:
            await asyncio.sleep(state.settings.latency_seconds)
        status = 0

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        fault = state.take_fault(path)
        if fault is not None:
            await _fault_response(state, fault.status, fault.body)(scope, receive, capture)
        else:
            await self.app(scope, receive, capture)
        state.requests.append(
            {
                "at": iso(state.clock.now()),
                "received": received,
                "method": scope["method"],
                "path": path,
                "status": status,
                "client_id": scope.get("sandbox.client_id"),
            }
        )


def _fault_response(state: SandboxState, status: int, body: dict[str, Any]) -> Response:
    if not body:
        if status == 429:
            body = TOO_MANY_REQUESTS_BODY
        elif status == 403:
            body = INVALID_TOKEN_BODY
        else:
            body = {
                "errorCode": "ServiceUnavailable" if status >= 500 else "InvalidRequest",
                "description": "Injected by the sandbox (/_sandbox/faults).",
                "incident": state.incident(),
            }
    return JSONResponse(body, status_code=status)


def create_goto_sandbox(
    scenario: Scenario | None = None,
    *,
    clock: SandboxClock | None = None,
    rate_limit_per_second: float | None = 10,
    latency_seconds: float = 0.0,
) -> Starlette:
    """Build the GoTo stand-in; its state is app.state.sandbox (a SandboxState)."""
    state = SandboxState(
        scenario or default_scenario(),
        clock or SandboxClock(),
        rate_limit_per_second=rate_limit_per_second,
        latency_seconds=latency_seconds,
    )
    templates = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
    )
    routes = [
        *OAuthApi(state, templates).routes(),
        *WebinarApi(state).routes(),
        *TrainingApi(state).routes(),
        *ControlApi(state, templates).routes(),
    ]

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return exc.response()

    async def on_control_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ControlError)
        return JSONResponse({"error": exc.detail}, status_code=exc.status)

    async def on_sandbox_error(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": str(exc)}, status_code=409)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        # JSON like GoTo rather than Starlette's plain text, and say it is the sandbox talking.
        return JSONResponse(
            {
                "errorCode": "NotFound" if exc.status_code == 404 else "MethodNotAllowed",
                "description": f"The GoTo sandbox has no {request.method} {_route_path(request.scope)}.",
                "incident": state.incident(),
            },
            status_code=exc.status_code,
        )

    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: on_api_error,
            ControlError: on_control_error,
            SandboxError: on_sandbox_error,
            404: on_http_error,
            405: on_http_error,
        },
    )
    app.add_middleware(SandboxMiddleware, state=state)
    app.state.sandbox = state
    return app
