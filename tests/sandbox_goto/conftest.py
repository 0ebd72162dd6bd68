"""Fixtures: a sandbox on a frozen clock, an httpx client that checks every answer against the spec."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sandbox.goto import SandboxClock, SandboxState, create_goto_sandbox, default_scenario

from .contract import ContractRecorder
from .helpers import TRAINING_APP, WEBINAR_APP, bearer, connect

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> SandboxClock:
    """A frozen clock: only explicit moves change the time."""
    return SandboxClock(START, frozen=True)


@pytest.fixture
def app(clock: SandboxClock) -> Starlette:
    """The default-scenario sandbox without rate limiting (tests of 429 build their own)."""
    return create_goto_sandbox(default_scenario(), clock=clock, rate_limit_per_second=None)


@pytest.fixture
def sandbox(app: Starlette) -> SandboxState:
    """The sandbox's state."""
    state: SandboxState = app.state.sandbox
    return state


@pytest.fixture
def contract() -> ContractRecorder:
    """Validates every /G2W and /G2T answer against GoTo's OpenAPI specs."""
    return ContractRecorder()


@pytest.fixture
async def client(app: Starlette, contract: ContractRecorder) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client for the sandbox."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://sandbox.test",
        event_hooks={"response": [contract.hook]},
    ) as c:
        yield c


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> dict[str, str]:
    """Bearer headers of alice@example.com connected through demo-webinar-app."""
    tokens: dict[str, Any] = await connect(client, WEBINAR_APP, "alice@example.com")
    return bearer(tokens)


@pytest.fixture
async def trudy(client: httpx.AsyncClient) -> dict[str, str]:
    """Bearer headers of trudy@example.com connected through demo-training-app."""
    tokens: dict[str, Any] = await connect(client, TRAINING_APP, "trudy@example.com")
    return bearer(tokens)
