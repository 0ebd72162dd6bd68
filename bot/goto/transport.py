"""HTTP plumbing of the GoTo client: timeouts, rate limiting and bounded retries."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx

from bot.goto.errors import NoAnswer, Unavailable
from bot.goto.observe import GoToObserver, api_of
from bot.goto.ratelimit import DEFAULT_LIMITERS, Limiters, Monotonic, RateLimit, Sleep
from bot.goto.tokens import utcnow

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.getgo.com"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

Clock = Callable[[], datetime]
Jitter = Callable[[float], float]
QueryParams = Mapping[str, str | int]


def full_jitter(ceiling: float) -> float:
    """Uniform delay in [0, ceiling] ("full jitter"), so retrying clients spread out."""
    return random.uniform(0.0, ceiling)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to retry: attempts, total time budget and back-off shape (seconds)."""

    max_attempts: int = 5
    total_seconds: float = 30.0
    base_delay: float = 0.5
    max_delay: float = 8.0

    def backoff_ceiling(self, attempt: int) -> float:
        """Upper bound of the jittered delay after the given (1-based) failed attempt."""
        return float(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Parse a Retry-After header (delta seconds or HTTP date) into seconds from `now`."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


# Failures in which the request never left this process: resending cannot repeat it.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _transport_failure(exc: httpx.TransportError) -> tuple[str, bool]:
    """Why a request got no answer, and whether it surely never left this process."""
    if isinstance(exc, NOT_SENT):
        return (
            "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
        ), True
    if isinstance(exc, httpx.TimeoutException):
        return "timed out", False
    return "connection failed", False


def _is_retryable_status(status_code: int, *, idempotent: bool) -> bool:
    # 429 is GoTo's rate limiter turning the request away before it is handled. Any 5xx may
    # come after the request was handled (a gateway timeout, a crash after a token was issued).
    return status_code == 429 or (idempotent and status_code >= 500)


class Retrier:
    """Sends a request until it gets a usable answer or the retry budget runs out."""

    def __init__(
        self,
        policy: RetryPolicy = RetryPolicy(),
        *,
        sleep: Sleep = asyncio.sleep,
        monotonic: Monotonic = time.monotonic,
        now: Clock = utcnow,
        jitter: Jitter = full_jitter,
        observer: GoToObserver | None = None,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._monotonic = monotonic
        self._now = now
        self._jitter = jitter
        self._observer = observer

    async def send(
        self,
        client: httpx.AsyncClient,
        build: Callable[[], httpx.Request],
        *,
        auth: httpx.Auth | None = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """Send `build()` with retries on 429, 5xx, timeouts and dropped connections.

        Idempotent calls are GET, DELETE and registrant POSTs (a repeated registration
        answers 409, which the callers treat as success). A call that must not be repeated
        (`idempotent=False`: OAuth token calls) is resent only when it surely did not reach
        GoTo (no connection was made) or was turned away with 429; a timeout or a dropped
        connection after sending raises NoAnswer, and a 5xx answer is returned as is.
        """
        # The total budget is checked between attempts rather than enforced with a
        # cancellation, because cancelling mid-refresh could lose a rotated refresh token.
        started = self._monotonic()
        reason = "no attempt made"
        for attempt in range(1, self.policy.max_attempts + 1):
            request = build()
            retry_after: float | None = None
            try:
                if auth is None:
                    response = await client.send(request)
                else:
                    response = await client.send(request, auth=auth)
            except httpx.TransportError as exc:
                if self._observer is not None:
                    self._observer.no_answer(api_of(request.url.path))
                reason, unsent = _transport_failure(exc)
                if not idempotent and not unsent:
                    raise NoAnswer(reason) from exc
            else:
                if not _is_retryable_status(response.status_code, idempotent=idempotent):
                    return response
                reason = (
                    "rate limited, HTTP 429"
                    if response.status_code == 429
                    else f"HTTP {response.status_code}"
                )
                retry_after = retry_after_seconds(response.headers.get("Retry-After"), self._now())
            log.info(
                "GoTo %s %s failed (%s), attempt %d/%d",
                request.method,
                request.url.path,
                reason,
                attempt,
                self.policy.max_attempts,
            )
            if attempt == self.policy.max_attempts:
                break
            if retry_after is not None:
                delay = retry_after
            else:
                delay = self._jitter(self.policy.backoff_ceiling(attempt))
            elapsed = self._monotonic() - started
            if elapsed + delay > self.policy.total_seconds:
                reason = f"{reason}; gave up after {elapsed:.0f}s"
                break
            if self._observer is not None:
                self._observer.retrying(api_of(request.url.path))
            await self._sleep(delay)
        raise Unavailable(reason)


def answer_hooks(observer: GoToObserver | None) -> list[Callable[[httpx.Response], Any]]:
    """httpx response hooks telling `observer` of every answer GoTo sends (resends included)."""
    if observer is None:
        return []

    async def answered(response: httpx.Response) -> None:
        observer.answered(api_of(response.request.url.path), response.status_code)

    return [answered]


class GoToHttp:
    """Authenticated, rate-limited, retrying HTTP session to the GoTo API for one location."""

    def __init__(
        self,
        auth: httpx.Auth,
        *,
        consumer_key: str,
        api_url: str = DEFAULT_API_URL,
        rate_limit: RateLimit = RateLimit(),
        retry: RetryPolicy = RetryPolicy(),
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        sleep: Sleep = asyncio.sleep,
        monotonic: Monotonic = time.monotonic,
        now: Clock = utcnow,
        jitter: Jitter = full_jitter,
        limiters: Limiters = DEFAULT_LIMITERS,
        transport: httpx.AsyncBaseTransport | None = None,
        observer: GoToObserver | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._auth = auth
        self._timeout = timeout
        self._sleep = sleep
        self._bucket = limiters.get(consumer_key, rate_limit, monotonic)
        self._retrier = Retrier(
            retry, sleep=sleep, monotonic=monotonic, now=now, jitter=jitter, observer=observer
        )
        # API requests put on the wire so far: retries and resends after a refresh included.
        self.requests_sent = 0
        # The limiter runs as a request hook so that every request on the wire is counted,
        # including the resend the auth flow makes after a token refresh.
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json"},
            event_hooks={"request": [self._throttle], "response": answer_hooks(observer)},
        )

    async def _throttle(self, request: httpx.Request) -> None:
        self.requests_sent += 1
        await self._bucket.acquire(self._sleep)

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """Send one API call with retries; the caller interprets 4xx answers.

        `idempotent=False` (creating a webinar or training) is resent only when it surely
        did not reach GoTo; see Retrier.send.
        """

        def build() -> httpx.Request:
            return self._client.build_request(
                method, url, params=params, json=json, timeout=self._timeout
            )

        return await self._retrier.send(self._client, build, auth=self._auth, idempotent=idempotent)

    async def aclose(self) -> None:
        """Close the underlying connection pool."""
        await self._client.aclose()

    async def __aenter__(self) -> GoToHttp:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
