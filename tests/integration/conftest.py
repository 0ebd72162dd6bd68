"""The whole bot over HTTP (the end-to-end stack), for tests that measure what a command costs."""

from __future__ import annotations

from tests.e2e.conftest import stack

__all__ = ["stack"]
