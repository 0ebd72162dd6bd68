"""A process stops even when one of the things it closes never answers."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot import bootstrap
from bot.bootstrap import build_runtime
from tests.e2e.conftest import stack_settings


async def test_closing_gives_up_on_a_step_that_never_ends_and_closes_the_rest(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = build_runtime(
        stack_settings(database_url, "http://127.0.0.1:9/", "http://127.0.0.1:9")
    )
    closed: list[str] = []

    async def stuck() -> None:
        await asyncio.Event().wait()  # a peer that never answers

    async def after() -> None:
        closed.append("after")

    runtime.closers[:0] = [stuck, after]
    monkeypatch.setattr(bootstrap, "CLOSE_SECONDS", 0.2)
    with caplog.at_level(logging.WARNING, logger="bot.bootstrap"):
        await asyncio.wait_for(runtime.close(), 10)
    assert closed == ["after"]
    assert "did not finish within 0.2s" in caplog.text
