"""Handler tests: pure builders against snapshots, and listeners through the whole `stack`."""

from __future__ import annotations

from tests.e2e.conftest import stack

__all__ = ["stack"]
