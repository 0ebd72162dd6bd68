"""Token-bucket rate limiter per GoTo consumer key, shared through a registry."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]


@dataclass(frozen=True)
class RateLimit:
    """Allowed request rate: `per_second` sustained, `burst` back-to-back."""

    # GoTo allows about 10 requests/s per API; a burst of 1 keeps any one-second window
    # under the limit, where a larger bucket could briefly send up to twice the rate.
    per_second: float = 10.0
    burst: int = 1


class TokenBucket:
    """Token bucket that hands out waiting times instead of locking."""

    def __init__(self, limit: RateLimit, monotonic: Monotonic = time.monotonic) -> None:
        if limit.per_second <= 0 or limit.burst < 1:
            raise ValueError("rate limit must be positive")
        self.limit = limit
        self._monotonic = monotonic
        self._tokens = float(limit.burst)
        self._updated = monotonic()

    def reserve(self) -> float:
        """Take one token now and return how long the caller must wait before using it."""
        # Reserving synchronously (no await between reading and updating the bucket) keeps
        # concurrent callers correct without an asyncio.Lock, which would tie the shared
        # bucket to one event loop.
        now = self._monotonic()
        elapsed = max(0.0, now - self._updated)
        self._updated = now
        self._tokens = min(float(self.limit.burst), self._tokens + elapsed * self.limit.per_second)
        self._tokens -= 1.0
        if self._tokens >= 0:
            return 0.0
        return -self._tokens / self.limit.per_second

    async def acquire(self, sleep: Sleep = asyncio.sleep) -> float:
        """Wait for a token; return the time waited."""
        wait = self.reserve()
        if wait > 0:
            await sleep(wait)
        return wait


class Limiter(Protocol):
    """Paces the requests of one consumer key."""

    async def acquire(self, sleep: Sleep = asyncio.sleep) -> float:
        """Wait for the key's next turn to send; return the time waited."""
        ...


class Limiters(Protocol):
    """Hands out the limiter of each consumer key (one process's buckets, or a shared one)."""

    def get(
        self, consumer_key: str, limit: RateLimit, monotonic: Monotonic = time.monotonic
    ) -> Limiter:
        """The limiter of `consumer_key`, paced at `limit`."""
        ...


class LimiterRegistry:
    """Shares one bucket per consumer key across every client instance using that key (in this
    process)."""

    def __init__(self) -> None:
        self._buckets: dict[str, TokenBucket] = {}

    def get(
        self, consumer_key: str, limit: RateLimit, monotonic: Monotonic = time.monotonic
    ) -> TokenBucket:
        """Return the bucket of `consumer_key`, creating it with `limit` on first use."""
        bucket = self._buckets.get(consumer_key)
        if bucket is None:
            bucket = TokenBucket(limit, monotonic)
            self._buckets[consumer_key] = bucket
        return bucket


DEFAULT_LIMITERS = LimiterRegistry()
