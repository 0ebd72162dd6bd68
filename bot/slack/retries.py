"""How every Slack Web API client of the bot retries: short rate-limit waits, safe reconnects.

slack_sdk's handlers are used with two limits. A 429 is waited out in place only when Slack asks
for a short pause (`MAX_RATE_LIMIT_WAIT`); a longer one reaches the caller, whose job decides (the
outbox reschedules the notice, a user is told to try again in a minute). A lost connection is
retried for every method except those that create something, which are retried only when the
connection was never made: once a post may have reached Slack, sending it again could post twice.
"""

from __future__ import annotations

from aiohttp import ClientConnectorError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

MAX_RATE_LIMIT_WAIT = 5
"""Longest Retry-After (seconds) waited out inside a call."""

CREATING_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "chat.meMessage",
        "files.upload",
        "files.completeUploadExternal",
        "conversations.create",
    }
)
"""Methods that make something new each time they are carried out."""


def method_of(request: HttpRequest) -> str:
    """The Web API method a request calls ("chat.postMessage")."""
    return request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class ShortRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """Waits out a 429 once when its Retry-After is at most `max_wait` seconds."""

    def __init__(self, max_retry_count: int = 1, max_wait: int = MAX_RATE_LIMIT_WAIT) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response)
        return wait is not None and wait <= self.max_wait


class SafeConnectionRetry(AsyncConnectionErrorRetryHandler):
    """Retries a lost connection, but re-sends a creating call only if it never left."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        ):
            return False
        return method_of(request) not in CREATING_METHODS or isinstance(error, ClientConnectorError)


def retry_after(response: HttpResponse) -> int | None:
    """The Retry-After header in whole seconds, or None when absent or unreadable."""
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) and values else values
            try:
                return max(0, int(str(value)))
            except ValueError:
                return None
    return None


def retry_handlers() -> list[AsyncRetryHandler]:
    """The retry handlers every AsyncWebClient of the bot carries."""
    return [SafeConnectionRetry(), ShortRateLimitRetry()]
