"""The door of `/slack/events`: a request is signed by Slack and well-formed, or it goes no further.

Bolt turns a bad timestamp header, undecodable bytes or a body that is not the JSON it expects into
an exception (HTTP 500 and a traceback), and logs the whole body of a request whose signature fails.
Requests are therefore checked here first, exactly as Bolt would check them, and answered:

- 401 when the signature headers are missing, malformed, stale or do not match the body;
- 400 when a signed body is not UTF-8 or not the form/JSON shape Slack sends.

Neither answer nor the log line about it carries the body or the header values.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse

log = logging.getLogger(__name__)

TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"
# Slack's rule (and Bolt's): a request more than five minutes from now is a replay.
MAX_CLOCK_SKEW_SECONDS = 5 * 60


@dataclass(frozen=True)
class Refusal:
    """Why a request is not handed to Bolt: the HTTP status and a reason safe to show and log."""

    status: int
    reason: str

    def response(self) -> JSONResponse:
        """The answer the sender gets."""
        error = "invalid request" if self.status == 401 else "malformed request"
        return JSONResponse({"error": error, "detail": self.reason}, status_code=self.status)


class SlackRequestCheck:
    """Checks the signature and the shape of a request to `/slack/events`."""

    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret.encode("utf-8")
        self._clock = clock

    def refusal(self, headers: Mapping[str, str], body: bytes) -> Refusal | None:
        """None when Bolt may handle the request; otherwise why not."""
        unsigned = self._signature_problem(headers, body)
        if unsigned is not None:
            return Refusal(401, unsigned)
        malformed = body_problem(body, headers.get("content-type"))
        if malformed is not None:
            return Refusal(400, malformed)
        return None

    def _signature_problem(self, headers: Mapping[str, str], body: bytes) -> str | None:
        timestamp = headers.get(TIMESTAMP_HEADER)
        signature = headers.get(SIGNATURE_HEADER)
        if not timestamp or not signature:
            return "the request is not signed (X-Slack-Request-Timestamp and X-Slack-Signature)"
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return "X-Slack-Request-Timestamp is not a Unix time in seconds"
        if abs(self._clock() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            return "the request is too old (or its clock is off by more than five minutes)"
        base = b"v0:" + timestamp.encode("ascii") + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
            return "the signature does not match the request"
        return None


def body_problem(body: bytes, content_type: str | None) -> str | None:
    """Why Bolt could not parse this body (its own rules, in slack_bolt.request.internals), or None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8 text"
    if not text:
        return None
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == "application/json" or text.startswith("{"):
        return _json_object_problem(text, "the JSON body")
    if "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        if payload is not None:
            return _json_object_problem(payload, "the payload field")
    return None


def _json_object_problem(text: str, what: str) -> str | None:
    try:
        value: Any = json.loads(text)
    except ValueError:
        return f"{what} is not valid JSON"
    if not isinstance(value, dict):
        return f"{what} is not a JSON object"
    return None


def log_refusal(path: str, refusal: Refusal) -> None:
    """One line per refused request: where, what status and why (never the body or headers)."""
    log.warning("refused POST %s with %d: %s", path, refusal.status, refusal.reason)
