"""429 above the per-consumer rate, and the optional added latency."""

from __future__ import annotations

import asyncio
import math
import time

import httpx

from sandbox.goto import create_goto_sandbox, default_scenario

from .contract import ContractRecorder
from .helpers import ALICE, G2T, G2W, POLL_WEBINAR, TRAINING_APP, TRUDY, bearer, connect

WEB = f"{G2W}/organizers/{ALICE}/webinars/{POLL_WEBINAR}"
TRAININGS = f"{G2T}/organizers/{TRUDY}/trainings"


def sandbox_client(
    rate_limit_per_second: float | None, latency_seconds: float = 0.0
) -> httpx.AsyncClient:
    app = create_goto_sandbox(
        default_scenario(),
        rate_limit_per_second=rate_limit_per_second,
        latency_seconds=latency_seconds,
    )
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://sandbox.test",
        event_hooks={"response": [ContractRecorder().hook]},
    )


async def test_burst_above_the_rate_gets_429_per_consumer_key() -> None:
    async with sandbox_client(rate_limit_per_second=10) as client:
        webinar = bearer(await connect(client))
        training = bearer(await connect(client, TRAINING_APP, "trudy@example.com"))
        started = time.monotonic()
        statuses = [(await client.get(WEB, headers=webinar)).status_code for _ in range(30)]
        elapsed = time.monotonic() - started
        assert statuses[:10] == [200] * 10  # a second's worth of burst
        # Beyond the burst, only what the bucket refilled meanwhile (10 a second) gets through.
        assert statuses.count(200) <= 10 + math.ceil(elapsed * 10) + 1
        assert 429 in statuses
        throttled = await client.get(WEB, headers=webinar)
        assert throttled.status_code == 429
        assert throttled.json() == {"message": "Too Many Requests"}
        assert "retry-after" not in throttled.headers  # GoTo documents none
        # Another consumer key has its own bucket.
        assert (await client.get(TRAININGS, headers=training)).status_code == 200
        await asyncio.sleep(0.25)  # 10/s refills about two tokens
        assert (await client.get(WEB, headers=webinar)).status_code == 200


async def test_rate_limit_can_be_switched_off_and_changed() -> None:
    async with sandbox_client(rate_limit_per_second=None) as client:
        headers = bearer(await connect(client))
        for _ in range(40):
            assert (await client.get(WEB, headers=headers)).status_code == 200
        await client.post("/_sandbox/settings", json={"rate_limit_per_second": 2})
        statuses = [(await client.get(WEB, headers=headers)).status_code for _ in range(5)]
        assert statuses[:2] == [200, 200] and 429 in statuses


async def test_added_latency() -> None:
    async with sandbox_client(rate_limit_per_second=None, latency_seconds=0.05) as client:
        headers = bearer(await connect(client))
        started = time.perf_counter()
        await client.get(WEB, headers=headers)
        assert time.perf_counter() - started >= 0.05
