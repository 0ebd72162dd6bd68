"""Shared pieces of the sandbox's HTTP side: GoTo's error bodies, the bearer guard, paging, URLs."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .records import AccessToken, Account, Api, Consumer
from .state import SandboxState

# GoTo's API gateway answers every bad, expired or revoked bearer token with exactly this.
INVALID_TOKEN_BODY = {"int_err_code": "InvalidToken", "msg": "Invalid token passed"}
# GoTo documents the 429 but no body; this is API Gateway's stock throttling answer.
TOO_MANY_REQUESTS_BODY = {"message": "Too Many Requests"}

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200
# What both products take for an email address when registering.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ApiError(Exception):
    """Raised inside a handler to answer with a GoTo-shaped error."""

    def __init__(
        self,
        status: int,
        body: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    def response(self) -> Response:
        """The HTTP answer for this error."""
        if self.body is None:
            return Response(status_code=self.status, headers=self.headers)
        return JSONResponse(dict(self.body), status_code=self.status, headers=self.headers)


def goto_error(
    state: SandboxState, status: int, code: str, description: str, **extra: Any
) -> ApiError:
    """An error in GoTo's product-API shape: {"errorCode", "description", "incident", ...}."""
    body: dict[str, Any] = {
        "errorCode": code,
        "description": description,
        "incident": state.incident(),
    }
    body.update(extra)
    return ApiError(status, body)


@dataclass
class Caller:
    """Who is calling: the consumer app and the GoTo account behind a bearer token."""

    consumer: Consumer
    account: Account
    token: AccessToken


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(
    state: SandboxState, request: Request, *, invalid: ApiError | None = None
) -> Caller:
    """Check the bearer token and the per-consumer rate limit, GoTo's gateway order."""
    token = bearer_token(request)
    resolved = state.bearer(token) if token else None
    if resolved is None:
        raise invalid or ApiError(403, INVALID_TOKEN_BODY)
    access, consumer, account = resolved
    request.scope["sandbox.client_id"] = consumer.client_id
    if not state.allow_request(consumer.client_id):
        raise ApiError(429, TOO_MANY_REQUESTS_BODY)
    return Caller(consumer, account, access)


def authorize_product(
    state: SandboxState, request: Request, api: Api, organizer_key: str
) -> Caller:
    """authenticate() plus: the app has this product, and the path is the caller's organizer."""
    caller = authenticate(state, request)
    label = "GoToWebinar" if api == "webinar" else "GoToTraining"
    if not caller.consumer.serves(api):
        raise goto_error(
            state, 403, "AccessDenied", f"This OAuth client is not enabled for {label}."
        )
    if organizer_key != str(caller.account.organizer_key):
        raise goto_error(
            state,
            403,
            "AccessDenied",
            "The access token does not grant access to this organizer's data.",
        )
    return caller


async def registration_body(
    state: SandboxState, request: Request, required: Sequence[str]
) -> dict[str, Any]:
    """A registration's JSON object, with each `required` field a non-blank string (else 400)."""
    try:
        body = await request.json()
    except ValueError:
        raise goto_error(
            state, 400, "InvalidRequest", "The request body is not valid JSON."
        ) from None
    if not isinstance(body, dict):
        raise goto_error(state, 400, "InvalidRequest", "The request body must be an object.")
    missing = [
        name for name in required if not isinstance(body.get(name), str) or not body[name].strip()
    ]
    if missing:
        raise goto_error(
            state, 400, "InvalidRequest", "Missing required fields: " + ", ".join(missing)
        )
    return body


def parse_key(value: str) -> int | None:
    """A numeric GoTo key from a path segment, or None."""
    return int(value) if value.isdigit() and len(value) <= 19 else None


def paging(state: SandboxState, request: Request) -> tuple[int, int]:
    """Read `page` (from 0) and `size` (default 20, at most 200) like GoTo's paged reports."""
    try:
        page = int(request.query_params.get("page", "0"))
        size = int(request.query_params.get("size", str(DEFAULT_PAGE_SIZE)))
    except ValueError:
        raise goto_error(state, 400, "InvalidRequest", "page and size must be integers.") from None
    if page < 0:
        raise goto_error(state, 400, "InvalidRequest", "page must be 0 or more.")
    if size < 1 or size > MAX_PAGE_SIZE:
        raise goto_error(
            state, 400, "InvalidRequest", f"size must be between 1 and {MAX_PAGE_SIZE}."
        )
    return page, size


def paged(
    state: SandboxState,
    items: Sequence[Mapping[str, Any]],
    embedded_name: str,
    page: int,
    size: int,
) -> dict[str, Any]:
    """GoTo's HAL-style page: {"_embedded": {name: [...]}, "page": {...}}."""
    chunk = list(items[page * size : (page + 1) * size])
    body: dict[str, Any] = {
        "page": {
            "size": size,
            "totalElements": len(items),
            "totalPages": math.ceil(len(items) / size),
            "number": page,
        }
    }
    # Spring HATEOAS (behind GoTo's reports) drops _embedded from empty pages; opt-in.
    if chunk or not state.settings.omit_empty_embedded:
        body["_embedded"] = {embedded_name: chunk}
    return body


def sandbox_path(request: Request, path: str) -> str:
    """A path inside this sandbox (for links in its own pages), honouring a mount prefix."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/") + path


def sandbox_url(request: Request, path: str) -> str:
    """An absolute URL inside this sandbox, correct when it is mounted under a prefix."""
    return str(request.url.replace(path=sandbox_path(request, path), query=""))


def json_body(data: Any, status: int = 200) -> JSONResponse:
    """A JSON answer."""
    return JSONResponse(data, status_code=status)


# GoToWebinar's documented maximums for a new webinar's subject and description; the sandbox
# applies the same to a training's name and description (GoToTraining documents none).
SUBJECT_MAX = 128
DESCRIPTION_MAX = 2048


async def json_object(state: SandboxState, request: Request) -> dict[str, Any]:
    """The request's JSON object, or GoTo's 400."""
    try:
        body = await request.json()
    except ValueError:
        raise goto_error(
            state, 400, "InvalidRequest", "The request body is not valid JSON."
        ) from None
    if not isinstance(body, dict):
        raise goto_error(state, 400, "InvalidRequest", "The request body must be an object.")
    return body


def new_event_text(
    state: SandboxState, body: Mapping[str, Any], title_field: str
) -> tuple[str, str]:
    """The title and description of a new webinar or training, checked (else 400)."""
    title = body.get(title_field)
    if not isinstance(title, str) or not title.strip():
        raise goto_error(state, 400, "InvalidRequest", f"Missing required field: {title_field}")
    if len(title) > SUBJECT_MAX:
        raise goto_error(
            state,
            400,
            "InvalidRequest",
            f"The {title_field} is longer than {SUBJECT_MAX} characters.",
        )
    description = body.get("description", "")
    if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
        raise goto_error(
            state,
            400,
            "InvalidRequest",
            f"The description must be text of at most {DESCRIPTION_MAX} characters.",
        )
    return title.strip(), description


def new_event_times(
    state: SandboxState, raw: Any, start_name: str, end_name: str
) -> list[tuple[datetime, datetime]]:
    """A new event's `times` array: start/end pairs in the future, start before end (else 400)."""
    if not isinstance(raw, list) or not raw:
        raise goto_error(state, 400, "InvalidRequest", "Missing required field: times")
    now = state.clock.now()
    times = []
    for item in raw:
        pair = [
            parse_utc(item.get(name)) if isinstance(item, dict) else None
            for name in (start_name, end_name)
        ]
        start, end = pair
        if start is None or end is None:
            raise goto_error(
                state,
                400,
                "InvalidRequest",
                f"Each time needs {start_name} and {end_name} in ISO 8601 with a zone.",
            )
        if end <= start:
            raise goto_error(
                state, 400, "InvalidRequest", f"{end_name} must be after {start_name}."
            )
        if start <= now:
            raise goto_error(state, 400, "InvalidRequest", "The times must be in the future.")
        times.append((start, end))
    return times


def time_zone_or_400(state: SandboxState, value: Any) -> str:
    """A valid IANA time zone id, or GoTo's 400."""
    if isinstance(value, str) and value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
        else:
            return value
    raise goto_error(state, 400, "InvalidRequest", "timeZone must be a valid time zone ID.")


def parse_utc(raw: Any) -> datetime | None:
    """An ISO 8601 time with a zone (a trailing Z included), or None."""
    if not isinstance(raw, str):
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None
