"""Token buckets that make the sandbox answer 429 the way GoTo does above ~10 requests a second."""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """A bucket holding up to `rate` tokens (one second of burst), refilled at `rate` per second."""

    def __init__(self, rate: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = max(rate, 1.0)
        self._tokens = self.capacity
        self._monotonic = monotonic
        self._last = monotonic()

    def take(self) -> bool:
        """Spend one token if there is one; False means the caller should answer 429."""
        now = self._monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False
