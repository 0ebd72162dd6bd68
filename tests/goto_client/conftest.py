"""Fixtures: a fake clock, a recording token store and a spec-checked respx mock of GoTo."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from bot.goto import (
    GoToClient,
    GoToOAuth,
    LimiterRegistry,
    RateLimit,
    RefreshCoordinator,
    RetryPolicy,
    TokenSet,
)
from tests.goto_client import bodies
from tests.goto_client.spec import TRAINING, WEBINAR, check_request, check_response, find_operation

TOKEN_URL = "https://authentication.logmeininc.com/oauth/token"
IDENTITY_URL = "https://api.getgo.com/identity/v1/Users/me"
CLIENT_ID = "consumer-key"
CLIENT_SECRET = "consumer-secret-do-not-leak"


class FakeTime:
    """Wall clock and monotonic clock that only move when told or when someone sleeps."""

    def __init__(self) -> None:
        self.wall = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
        self.mono = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)
        # Yield like a real sleep so concurrent tasks interleave.
        await asyncio.sleep(0)


@dataclass
class RecordingStore:
    """TokenStore that remembers every save and every connection marked failed."""

    saved: list[tuple[int, TokenSet]] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)

    async def save(self, location_id: int, tokens: TokenSet) -> None:
        self.saved.append((location_id, tokens))

    async def connection_failed(self, location_id: int, problem: str) -> None:
        self.failures.append((location_id, problem))

    async def load(self, location_id: int) -> TokenSet | None:
        """The latest tokens saved for the location (what another process would read)."""
        mine = [tokens for saved_id, tokens in self.saved if saved_id == location_id]
        return mine[-1] if mine else None


@dataclass
class Reply:
    """A mocked answer; `body` is JSON unless `raw` is given."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] | None = None
    raw: bytes | None = None

    def build(self) -> httpx.Response:
        if self.raw is not None:
            return httpx.Response(self.status, content=self.raw, headers=self.headers)
        if self.body is None:
            return httpx.Response(self.status, headers=self.headers)
        return httpx.Response(self.status, json=self.body, headers=self.headers)


Outcome = Reply | Exception | Callable[[httpx.Request], "Reply | Exception"]


class GoToMock:
    """respx router whose routes and recorded traffic are checked against the GoTo specs."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.router = router
        self._off_spec: dict[int, str] = {}

    def webinar_url(self, path: str) -> str:
        return WEBINAR.base_url + path

    def training_url(self, path: str) -> str:
        return TRAINING.base_url + path

    def on(
        self, method: str, url: str, *outcomes: Outcome, off_spec: str | None = None
    ) -> respx.Route:
        """Answer `method url` (any query) with the outcomes in turn; the last one repeats.

        `off_spec` names why this route deliberately departs from the spec (no checks).
        """
        assert outcomes, "give at least one outcome"
        if off_spec is None:
            found = find_operation(method, httpx.URL(url))
            for outcome in outcomes:
                if found is not None and isinstance(outcome, Reply) and outcome.body is not None:
                    check_response(found[0], outcome.status, outcome.body)
        pending = list(outcomes)

        def respond(request: httpx.Request) -> httpx.Response:
            outcome = pending.pop(0) if len(pending) > 1 else pending[0]
            if callable(outcome) and not isinstance(outcome, Reply | Exception):
                outcome = outcome(request)
            if isinstance(outcome, Exception):
                raise type(outcome)(str(outcome))
            return outcome.build()

        route = self.router.route(method=method, url=url).mock(side_effect=respond)
        if off_spec is not None:
            self._off_spec[id(route)] = off_spec
        return route

    def token(self, *outcomes: Outcome) -> respx.Route:
        """The OAuth token endpoint."""
        return self.on("POST", TOKEN_URL, *outcomes)

    def check_contract(self) -> None:
        """Every recorded request is a spec operation; every JSON answer fits its schema."""
        for route in self.router.routes:
            if id(route) in self._off_spec:
                continue
            for call in route.calls:
                op = check_request(call.request)
                response = call.optional_response
                if op is None or response is None or not response.content:
                    continue
                try:
                    body = json.loads(response.content)
                except ValueError:
                    continue
                check_response(op, response.status_code, body)


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def store() -> RecordingStore:
    return RecordingStore()


@pytest.fixture
def goto() -> Iterator[GoToMock]:
    with respx.mock(assert_all_called=False) as router:
        mock = GoToMock(router)
        yield mock
        mock.check_contract()


@pytest.fixture
def oauth(clock: FakeTime) -> GoToOAuth:
    return GoToOAuth(
        now=clock.now, sleep=clock.sleep, monotonic=clock.monotonic, jitter=lambda ceiling: ceiling
    )


def make_tokens(
    clock: FakeTime,
    *,
    access: str = "access-1",
    refresh: str = "refresh-1",
    expires_in: float = 3600,
) -> TokenSet:
    """Tokens issued by the fake clock; negative `expires_in` gives an expired access token."""
    return TokenSet(
        access_token=SecretStr(access),
        refresh_token=SecretStr(refresh),
        access_expires_at=clock.now() + timedelta(seconds=expires_in),
        connection_expires_at=clock.now() + timedelta(days=20),
        organizer_key=str(bodies.ORGANIZER),
        account_key=bodies.ACCOUNT,
        email="trainer@example.com",
    )


ClientFactory = Callable[..., GoToClient]


@pytest.fixture
async def make_client(
    clock: FakeTime, store: RecordingStore, oauth: GoToOAuth
) -> AsyncIterator[ClientFactory]:
    """Builds GoToClients on the fake clock; the rate limit is lifted unless given."""
    created: list[GoToClient] = []
    limiters = LimiterRegistry()
    coordinator = RefreshCoordinator()

    def factory(
        tokens: TokenSet | None = None,
        *,
        location_id: int = 1,
        rate_limit: RateLimit = RateLimit(per_second=1000, burst=1000),
        retry: RetryPolicy = RetryPolicy(),
    ) -> GoToClient:
        client = GoToClient.for_location(
            oauth=oauth,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            location_id=location_id,
            tokens=tokens or make_tokens(clock),
            store=store,
            rate_limit=rate_limit,
            retry=retry,
            now=clock.now,
            sleep=clock.sleep,
            monotonic=clock.monotonic,
            jitter=lambda ceiling: ceiling,
            limiters=limiters,
            coordinator=coordinator,
        )
        created.append(client)
        return client

    yield factory
    for client in created:
        await client.aclose()
