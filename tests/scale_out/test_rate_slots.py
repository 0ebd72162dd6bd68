"""The consumer key's moments to send, reserved in PostgreSQL: one process alone gets GoTo's whole
rate, several share it with headroom, and keys do not wait for each other."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from itertools import pairwise

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from db.rate_slots import Reservation, reserve_slot
from tests.scale_out.conftest import require_postgres

ALONE = 0.1
SHARED = 0.1 / 0.75


@pytest.fixture
async def pg(database_url: str) -> AsyncIterator[AsyncEngine]:
    require_postgres(database_url)
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def reservations(engine: AsyncEngine, key: str, holders: list[str]) -> list[Reservation]:
    return [
        await reserve_slot(engine, key, holder, alone=ALONE, shared=SHARED) for holder in holders
    ]


async def waits(engine: AsyncEngine, key: str, holders: list[str]) -> list[float]:
    return [r.wait for r in await reservations(engine, key, holders)]


async def timed(
    engine: AsyncEngine, key: str, holders: list[str]
) -> list[tuple[float, Reservation]]:
    """Each reservation with its moment on this process's clock: a wait counts from when it was
    answered, so the time the statements themselves take does not shift the moments."""
    found = []
    for holder in holders:
        reserved = await reserve_slot(engine, key, holder, alone=ALONE, shared=SHARED)
        found.append((time.monotonic() + reserved.wait, reserved))
    return found


async def moments(engine: AsyncEngine, key: str, holders: list[str]) -> list[float]:
    return [moment for moment, _ in await timed(engine, key, holders)]


def gaps(values: list[float]) -> list[float]:
    """The time between moments."""
    return [b - a for a, b in pairwise(values)]


async def test_one_process_alone_gets_the_whole_rate(pg: AsyncEngine) -> None:
    assert (await waits(pg, "key-a", ["one"]))[0] == 0.0
    found = await moments(pg, "key-a", ["one"] * 5)
    assert gaps(found) == pytest.approx([ALONE] * 4, abs=0.02)


async def test_a_second_process_makes_the_key_shared(pg: AsyncEngine) -> None:
    found = await timed(pg, "key-a", ["one", "one", "two", "one", "two", "one"])
    # From the second process's first reservation on, moments are 1/7.5 s apart, for everyone.
    assert gaps([moment for moment, _ in found]) == pytest.approx([ALONE] + [SHARED] * 4, abs=0.02)
    assert [r.shared for _, r in found] == [False, False, True, True, True, True]


async def test_keys_keep_their_own_schedules(pg: AsyncEngine) -> None:
    await waits(pg, "key-a", ["one"] * 5)
    assert await waits(pg, "key-b", ["one"]) == [0.0]


async def test_a_block_of_moments_holds_the_key_for_its_length(pg: AsyncEngine) -> None:
    block = await reserve_slot(pg, "key-a", "one", alone=ALONE, shared=SHARED, count=10)
    start = time.monotonic()
    assert (block.wait, block.step, block.shared) == (0.0, ALONE, False)
    # The next moment comes after the block's ten, for the process itself and for another.
    after = [moment - start for moment in await moments(pg, "key-a", ["one", "two"])]
    assert after == pytest.approx([10 * ALONE, 10 * ALONE + SHARED], abs=0.02)


async def test_a_process_that_stopped_does_not_share_the_key(pg: AsyncEngine) -> None:
    async with pg.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO goto_rate_slot (consumer_key, last_slot, last_holder, shared_until) "
                "VALUES ('key-a', now() - interval '1 minute', 'gone', now() + interval '1 minute')"
            )
        )
    found = await reservations(pg, "key-a", ["new", "new"])
    assert [(r.wait, r.shared) for r in found] == [
        (0.0, False),
        (pytest.approx(ALONE, abs=0.02), False),
    ]
