"""Reading GoTo answers: JSON bodies, error codes and the mapping of HTTP errors to GoToError."""

from __future__ import annotations

import re
from typing import Any

import httpx

from bot.goto.errors import Forbidden, GoToError, NeedsRelink, NotFound, UnexpectedResponse

# Error identifiers are echoed to users, so only short plain identifiers pass through.
_SAFE_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,63}$")


def json_body(response: httpx.Response, what: str) -> Any:
    """Decode a JSON body or raise UnexpectedResponse naming what was expected."""
    try:
        return response.json()
    except ValueError:
        raise UnexpectedResponse(what) from None


def json_or_none(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when the body is empty or not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def error_code(response: httpx.Response) -> str | None:
    """GoTo's error identifier from any of its error shapes (int_err_code, errorCode, error)."""
    body = json_or_none(response)
    if not isinstance(body, dict):
        return None
    for name in ("int_err_code", "errorCode", "error"):
        value = body.get(name)
        if isinstance(value, str) and _SAFE_CODE.match(value):
            return value
    return None


def is_invalid_token(response: httpx.Response) -> bool:
    """Whether GoTo rejected the access token (401, or 403 with InvalidToken)."""
    if response.status_code == 401:
        return True
    return response.status_code == 403 and error_code(response) == "InvalidToken"


def raise_for_status(
    response: httpx.Response, what: str, *, kind: str | None = None, key: str | None = None
) -> None:
    """Turn an error answer into the matching GoToError; `what` names the thing for users."""
    status = response.status_code
    if status < 400:
        return
    if is_invalid_token(response):
        # The auth flow already refreshed and resent once; a second rejection means the
        # grant itself is no longer good.
        raise NeedsRelink(
            "GoTo rejected the access token even after a refresh. "
            "Please reconnect the GoTo account."
        )
    if status == 403:
        raise Forbidden(what)
    if status == 404 and kind is not None and key is not None:
        raise NotFound(kind, key)
    code = error_code(response)
    detail = f", {code}" if code else ""
    raise GoToError(
        f"GoTo refused the request for {what} (HTTP {status}{detail}).", status_code=status
    )


def refusal_reason(answer: Any) -> str | None:
    """GoTo's own words for a refusal (its error bodies use several field names)."""
    if not isinstance(answer, dict):
        return None
    for name in ("description", "msg", "message", "errorMessage"):
        value = answer.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None
