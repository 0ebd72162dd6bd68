"""Retries, back-off, Retry-After, time budget, timeouts and the per-key rate limiter."""

from __future__ import annotations

import itertools
from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest

from bot.goto import RateLimit, RetryPolicy, TokenBucket, Unavailable
from bot.goto.transport import DEFAULT_TIMEOUT, retry_after_seconds
from tests.goto_client import bodies
from tests.goto_client.conftest import ClientFactory, FakeTime, GoToMock, Reply

WEBINAR_PATH = f"/organizers/{bodies.ORGANIZER}/webinars/{bodies.WEBINAR_KEY}"
OK = Reply(200, bodies.webinar())


async def get(client_factory: ClientFactory, **options: object) -> object:
    client = client_factory(**options)
    return await client.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)


async def test_429_storm_gives_up_after_bounded_attempts_honouring_retry_after(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    route = goto.on("GET", goto.webinar_url(WEBINAR_PATH), Reply(429, headers={"Retry-After": "7"}))
    with pytest.raises(Unavailable) as caught:
        await get(make_client)
    assert route.call_count == 5
    assert clock.sleeps == [7.0, 7.0, 7.0, 7.0]
    assert "429" in str(caught.value)


async def test_retry_after_as_http_date(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    when = format_datetime(clock.now() + timedelta(seconds=12), usegmt=True)
    goto.on("GET", goto.webinar_url(WEBINAR_PATH), Reply(429, headers={"Retry-After": when}), OK)
    await get(make_client)
    assert clock.sleeps == [12.0]


async def test_retry_after_beyond_time_budget_gives_up_at_once(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    route = goto.on(
        "GET", goto.webinar_url(WEBINAR_PATH), Reply(429, headers={"Retry-After": "120"}), OK
    )
    with pytest.raises(Unavailable):
        await get(make_client)
    assert route.call_count == 1
    assert clock.sleeps == []


async def test_5xx_then_success_backs_off_exponentially(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    route = goto.on("GET", goto.webinar_url(WEBINAR_PATH), Reply(503), Reply(502), Reply(500), OK)
    webinar = await get(make_client)
    assert webinar is not None
    assert route.call_count == 4
    # The fixture's jitter returns the ceiling, so the exponential shape is visible.
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_full_jitter_stays_within_ceiling() -> None:
    from bot.goto.transport import full_jitter

    samples = [full_jitter(4.0) for _ in range(200)]
    assert all(0.0 <= s <= 4.0 for s in samples)
    assert len(set(samples)) > 1


async def test_timeouts_then_success(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    route = goto.on(
        "GET",
        goto.webinar_url(WEBINAR_PATH),
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        OK,
    )
    await get(make_client)
    assert route.call_count == 3
    assert len(clock.sleeps) == 2


async def test_dropped_connection_then_success(goto: GoToMock, make_client: ClientFactory) -> None:
    route = goto.on(
        "GET",
        goto.webinar_url(WEBINAR_PATH),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ConnectError("Connection reset by peer"),
        OK,
    )
    await get(make_client)
    assert route.call_count == 3


async def test_connection_always_failing_is_unavailable(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    route = goto.on("GET", goto.webinar_url(WEBINAR_PATH), httpx.ConnectError("refused"))
    with pytest.raises(Unavailable) as caught:
        await get(make_client)
    assert route.call_count == 5
    assert "connection failed" in str(caught.value)


async def test_total_time_budget_bounds_retries(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    route = goto.on("GET", goto.webinar_url(WEBINAR_PATH), Reply(503))
    policy = RetryPolicy(max_attempts=20, total_seconds=5.0, base_delay=1.0, max_delay=8.0)
    with pytest.raises(Unavailable):
        await get(make_client, retry=policy)
    # 1 + 2 fit in 5 s, the next 4 s back-off would not.
    assert clock.sleeps == [1.0, 2.0]
    assert route.call_count == 3


async def test_every_request_has_an_explicit_timeout(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    route = goto.on("GET", goto.webinar_url(WEBINAR_PATH), OK)
    await get(make_client)
    assert route.calls.last.request.extensions["timeout"] == DEFAULT_TIMEOUT.as_dict()


async def test_4xx_is_not_retried(goto: GoToMock, make_client: ClientFactory) -> None:
    route = goto.on("GET", goto.webinar_url(WEBINAR_PATH), Reply(400, {"errorCode": "Bad"}))
    with pytest.raises(Exception, match="HTTP 400"):
        await get(make_client)
    assert route.call_count == 1


async def test_rate_limiter_spaces_requests(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    seen: list[float] = []

    def record(request: httpx.Request) -> Reply:
        seen.append(clock.monotonic())
        return OK

    goto.on("GET", goto.webinar_url(WEBINAR_PATH), record)
    client = make_client(rate_limit=RateLimit())  # default: 10 requests/s
    for _ in range(5):
        await client.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(seen)]
    assert gaps == [0.1, 0.1, 0.1, 0.1]


async def test_rate_limiter_is_shared_by_clients_with_the_same_consumer_key(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    goto.on("GET", goto.webinar_url(WEBINAR_PATH), OK)
    first = make_client(rate_limit=RateLimit(), location_id=1)
    second = make_client(rate_limit=RateLimit(), location_id=2)
    await first.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)
    await second.webinar.get_webinar(bodies.ORGANIZER, bodies.WEBINAR_KEY)
    assert clock.sleeps == [pytest.approx(0.1)]


def test_token_bucket_reservations_queue_up(clock: FakeTime) -> None:
    bucket = TokenBucket(RateLimit(per_second=10, burst=2), clock.monotonic)
    waits = [bucket.reserve() for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.0, 0.1, 0.2, 0.3])
    clock.advance(10)
    assert bucket.reserve() == 0.0


def test_retry_after_parsing(clock: FakeTime) -> None:
    now = clock.now()
    assert retry_after_seconds("3", now) == 3.0
    assert retry_after_seconds(None, now) is None
    assert retry_after_seconds("soon", now) is None
    past = format_datetime(now - timedelta(seconds=5), usegmt=True)
    assert retry_after_seconds(past, now) == 0.0
