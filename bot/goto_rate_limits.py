"""GoTo's rate limit per consumer key shared by every process on one PostgreSQL.

Every GoTo API request of this process — sync, registration retries and request paths such as a
registration in a web replica alike — reserves its moment in `goto_rate_slot` (db/rate_slots.py)
before it leaves, so all processes together send at most the key's rate. On SQLite (one process)
the in-process token bucket does the same job (bot/goto/ratelimit.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.goto.ratelimit import LimiterRegistry, Monotonic, RateLimit, Sleep, TokenBucket
from db.rate_slots import Reservation, reserve_slot

log = logging.getLogger(__name__)

# The share of the key's rate a process alone on it, and several together, reserve. Requests
# reserved 1/rate apart reach GoTo a little more or less than that apart (a process wakes up late
# when it is kept off the CPU, a connection is slower): a tenth of headroom keeps any one second
# within the rate when one process sends, a quarter when several processes do, each waking up
# and sending on its own (they may then be a third of a second off their moments).
ALONE_HEADROOM = 0.9
SHARED_HEADROOM = 0.75
# On a shared key, a process that wakes up for its moment more than half a step late (it was
# kept off the CPU) would send right behind the next moment's owner: it takes a new moment
# instead, up to this many times. A process alone only delays its own next request.
RESERVATIONS = 4


class SharedKeyLimiter:
    """One consumer key's pace, reserved in the database; this process's bucket if it cannot be.

    Alone on the key, the process reserves a block of moments at a time (a second of the key's
    rate) and hands them out itself, so most requests wait for no statement; once the key is
    shared it reserves one moment per request, and a block it holds still ends when it ends.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        consumer_key: str,
        limit: RateLimit,
        fallback: TokenBucket,
        holder: str,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self._engine = engine
        self._monotonic = monotonic
        self._key = consumer_key
        self._holder = holder
        self._step = 1.0 / (limit.per_second * ALONE_HEADROOM)
        self._shared_step = 1.0 / (limit.per_second * SHARED_HEADROOM)
        self._block = max(1, round(limit.per_second * ALONE_HEADROOM))
        self._fallback = fallback
        # Until the database says the process is alone on the key, one moment per request.
        self._shared = True
        # The moments of the block held (this process's clock): the next free one, and its end.
        self._next = 0.0
        self._block_end = 0.0
        self._lock: asyncio.Lock | None = None

    async def acquire(self, sleep: Sleep = asyncio.sleep) -> float:
        """Wait for the key's next moment to send; return the time waited."""
        started = self._monotonic()
        if self._shared:
            await self._one_moment(sleep)
        else:
            if self._lock is None:
                self._lock = asyncio.Lock()
            async with self._lock:
                wait = self._from_block()
                if wait is None:
                    wait = await self._reserve_block()
            if wait is None:
                await self._one_moment(sleep)
            elif wait > 0:
                await sleep(wait)
        return self._monotonic() - started

    def _from_block(self) -> float | None:
        """The wait for the next moment of the block held, taking it; None when it is used up."""
        now = self._monotonic()
        moment = max(self._next, now)
        if moment + self._step > self._block_end + 1e-6:
            return None
        self._next = moment + self._step
        return moment - now

    async def _reserve_block(self) -> float | None:
        """Reserve a block and take its first moment (its wait); None when the database could not
        be reached (the caller then reserves one moment, or paces by itself). A block that finds
        the key shared switches the process to one moment per request."""
        try:
            reserved = await self._reserve(self._block)
        except (SQLAlchemyError, OSError, TimeoutError):
            return None
        first = self._monotonic() + reserved.wait
        self._shared = reserved.shared
        self._next = first + reserved.step
        self._block_end = first + self._block * reserved.step
        return reserved.wait

    async def _one_moment(self, sleep: Sleep) -> None:
        """Reserve one moment and wait for it; on a shared key, a late wake takes a new one."""
        for _ in range(RESERVATIONS):
            try:
                reserved = await self._reserve(1)
            except (SQLAlchemyError, OSError, TimeoutError) as exc:
                # Sending at this process's own pace beats not sending: GoTo answers 429
                # (retried) if the processes together go over.
                log.warning(
                    "GoTo rate slot not reserved (%s); pacing in this process",
                    type(exc).__name__,
                )
                await self._fallback.acquire(sleep)
                return
            self._shared = reserved.shared
            due = self._monotonic() + reserved.wait
            if reserved.wait > 0:
                await sleep(reserved.wait)
            if not reserved.shared or self._monotonic() - due <= self._step / 2:
                return

    async def _reserve(self, count: int) -> Reservation:
        return await reserve_slot(
            self._engine,
            self._key,
            self._holder,
            alone=self._step,
            shared=self._shared_step,
            count=count,
        )


class SharedRateLimits:
    """Limiters port: one shared limiter per consumer key, reserved through `engine`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # Which process reserved a slot (several may run on one machine).
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._local = LimiterRegistry()
        self._limiters: dict[str, SharedKeyLimiter] = {}

    def get(
        self, consumer_key: str, limit: RateLimit, monotonic: Monotonic = time.monotonic
    ) -> SharedKeyLimiter:
        """The shared limiter of `consumer_key`."""
        limiter = self._limiters.get(consumer_key)
        if limiter is None:
            fallback = self._local.get(consumer_key, limit, monotonic)
            limiter = SharedKeyLimiter(
                self._engine, consumer_key, limit, fallback, self.holder, monotonic
            )
            self._limiters[consumer_key] = limiter
        return limiter
