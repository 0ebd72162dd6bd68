"""How the console reads the bot's replies: acks over HTTP and answers among recorded calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from starlette.requests import Request

from sandbox.slack.web_api import RESPONSE_URL, RecordedCall


def answers_to(
    *, url: str | None = None, trigger: str | None = None, view_id: str | None = None
) -> Callable[[RecordedCall], bool]:
    """Whether a recorded call is the bot answering this request."""
    url_id = url.rsplit("/response_url/", 1)[-1] if url else None

    def answered(call: RecordedCall) -> bool:
        if url_id and call.method == RESPONSE_URL and call.path.endswith(url_id):
            return True
        if trigger and call.args.get("trigger_id") == trigger:
            return True
        return bool(view_id) and call.args.get("view_id") == view_id

    if url_id is None and trigger is None and view_id is None:
        return lambda call: True
    return answered


def ack_failure(response: httpx.Response) -> str | None:
    """The error Slack reports when the app did not ack (None when it did)."""
    if response.status_code == 598:
        return "operation_timeout"
    if response.status_code != 200:
        return "dispatch_failed"
    return None


def json_body(response: httpx.Response) -> Any:
    """The reply's body: decoded JSON when it is JSON, else its text; None when empty."""
    if not response.content:
        return None
    if response.headers.get("content-type", "").startswith("application/json"):
        try:
            return response.json()
        except ValueError:
            return response.text
    return response.text


def same_origin(request: Request) -> bool:
    """Refuse cross-site form posts (browsers send Origin on POST)."""
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"
