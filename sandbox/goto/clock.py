"""A controllable clock, so tests can make tokens and codes expire without waiting."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """UTC clock for the GoTo sandbox: real time plus an offset, or frozen at a moment."""

    def __init__(
        self,
        start: datetime | None = None,
        *,
        frozen: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("SandboxClock needs a timezone-aware start time")
        self._monotonic = monotonic
        self._base_mono = monotonic()
        # Real time when _base_mono was read: how far the clock was moved is _base minus this.
        self._base_wall = datetime.now(UTC)
        self._base = (start or self._base_wall).astimezone(UTC)
        self._frozen = frozen

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still between explicit moves."""
        return self._frozen

    def now(self) -> datetime:
        """Return the sandbox's current time (timezone-aware UTC)."""
        if self._frozen:
            return self._base
        return self._base + timedelta(seconds=self._monotonic() - self._base_mono)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (or back, if negative) and return the new time."""
        self._base += timedelta(seconds=seconds)
        return self.now()

    def set(self, when: datetime) -> None:
        """Jump to an absolute time."""
        if when.tzinfo is None:
            raise ValueError("SandboxClock.set needs a timezone-aware time")
        self._base = when.astimezone(UTC)
        self._base_mono = self._monotonic()
        self._base_wall = datetime.now(UTC)

    def offset(self) -> timedelta:
        """How far ahead of real time the clock runs (moved time); steady while it runs."""
        return self._base - self._base_wall

    def set_offset(self, offset: timedelta) -> None:
        """Run (unfrozen) the given time ahead of real time from now on."""
        self._base_mono = self._monotonic()
        self._base_wall = datetime.now(UTC)
        self._base = self._base_wall + offset
        self._frozen = False

    def freeze(self, frozen: bool = True) -> None:
        """Stop (or restart) the clock at the current sandbox time."""
        current = self.now()
        self._frozen = frozen
        self.set(current)
