"""Rate limits and slowness: real 429s and real timeouts from the sandbox."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bot.goto import RateLimit, RetryPolicy, Unavailable
from tests.goto_integration.conftest import ALICE, WEBINAR_APP, Sandbox, StartSandbox

WEBINAR = "1234500002"


async def api_paths(sandbox: Sandbox) -> list[str]:
    return [r["path"] for r in await sandbox.requests() if r["path"].startswith("/G2W")]


async def test_429s_are_retried_until_every_call_succeeds(start_sandbox: StartSandbox) -> None:
    sandbox = await start_sandbox(rate_limit_per_second=2)
    tokens = await sandbox.connect(WEBINAR_APP, "alice@example.com")
    client = await sandbox.client(
        tokens,
        # The client's limiter is far above what this "GoTo" allows.
        rate_limit=RateLimit(per_second=50, burst=1),
        # Enough attempts that only the time budget could run out (it does not: ~1.5 s).
        retry=RetryPolicy(max_attempts=40, total_seconds=4.5, base_delay=0.05, max_delay=0.3),
    )
    started = time.monotonic()

    webinars = await asyncio.gather(*(client.webinar.get_webinar(ALICE, WEBINAR) for _ in range(5)))

    assert [w.webinar_key for w in webinars] == [WEBINAR] * 5
    statuses = [r["status"] for r in await sandbox.requests() if r["path"].startswith("/G2W")]
    assert statuses.count(200) == 5
    assert statuses.count(429) >= 3
    assert set(statuses) == {200, 429}
    # Two calls fit the burst; the other three need the bucket to refill at 2/s.
    assert 1.0 < time.monotonic() - started < 5.0


async def test_a_client_limiter_at_the_servers_rate_avoids_429s(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = await start_sandbox(rate_limit_per_second=4)
    tokens = await sandbox.connect(WEBINAR_APP, "alice@example.com")
    client = await sandbox.client(tokens, rate_limit=RateLimit(per_second=4, burst=1))

    # One call more than the sandbox's burst: unthrottled, one of them would get a 429.
    await asyncio.gather(*(client.webinar.get_webinar(ALICE, WEBINAR) for _ in range(5)))

    statuses = [r["status"] for r in await sandbox.requests() if r["path"].startswith("/G2W")]
    assert statuses == [200] * 5


async def test_a_tiny_retry_budget_gives_up_with_unavailable(start_sandbox: StartSandbox) -> None:
    sandbox = await start_sandbox(rate_limit_per_second=1)
    tokens = await sandbox.connect(WEBINAR_APP, "alice@example.com")
    client = await sandbox.client(
        tokens,
        retry=RetryPolicy(max_attempts=2, total_seconds=1.0, base_delay=0.01, max_delay=0.01),
    )
    await client.webinar.get_webinar(ALICE, WEBINAR)  # spends the one-second bucket
    mark = await sandbox.mark()

    with pytest.raises(Unavailable) as caught:
        await client.webinar.get_webinar(ALICE, WEBINAR)

    assert caught.value.reason == "rate limited, HTTP 429"
    assert "not answering right now" in str(caught.value)
    assert [r["status"] for r in await sandbox.requests(mark)] == [429, 429]


async def test_a_slow_goto_times_out_after_bounded_retries(start_sandbox: StartSandbox) -> None:
    sandbox = await start_sandbox(latency_seconds=0.2)
    tokens = await sandbox.connect(WEBINAR_APP, "alice@example.com")  # slow, but in time
    impatient = await sandbox.client(
        tokens,
        http_timeout=httpx.Timeout(0.05),
        retry=RetryPolicy(max_attempts=3, total_seconds=2.0, base_delay=0.01, max_delay=0.02),
    )
    started = time.monotonic()

    with pytest.raises(Unavailable) as caught:
        await impatient.webinar.get_webinar(ALICE, WEBINAR)

    elapsed = time.monotonic() - started
    assert caught.value.reason == "timed out"
    assert 0.15 <= elapsed < 1.0  # three attempts of 0.05 s plus tiny back-off
    # The sandbox saw exactly three attempts (each is logged once its 0.2 s are over).
    for _ in range(40):
        if len(await api_paths(sandbox)) >= 3:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)  # and no fourth one
    assert await api_paths(sandbox) == [f"/G2W/rest/v2/organizers/{ALICE}/webinars/{WEBINAR}"] * 3

    patient = await sandbox.client(tokens, http_timeout=httpx.Timeout(2.0))
    assert (await patient.webinar.get_webinar(ALICE, WEBINAR)).webinar_key == WEBINAR


async def test_a_total_budget_shorter_than_the_back_off_stops_early(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = await start_sandbox()
    tokens = await sandbox.connect(WEBINAR_APP, "alice@example.com")
    client = await sandbox.client(
        tokens,
        retry=RetryPolicy(max_attempts=10, total_seconds=0.2, base_delay=0.5, max_delay=1.0),
        jitter=lambda ceiling: ceiling,
    )
    await sandbox.control(
        "POST", "faults", {"status": 503, "count": 5, "path_contains": "/webinars/"}, expect=201
    )
    started = time.monotonic()

    with pytest.raises(Unavailable) as caught:
        await client.webinar.get_webinar(ALICE, WEBINAR)

    # One attempt; waiting 0.5 s for the second would break the 0.2 s budget.
    assert caught.value.reason.startswith("HTTP 503; gave up after")
    assert time.monotonic() - started < 0.2
    statuses = [r["status"] for r in await sandbox.requests() if r["path"].startswith("/G2W")]
    assert statuses == [503]
