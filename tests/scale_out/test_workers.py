"""Three `viltbot worker` processes share one PostgreSQL: every session is synced once, every
notice posted once, and each consumer key stays within GoTo's rate in total."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from bench.workers import one_second_peaks, wait_until_done, workers
from domain.models import Enrollment, EnrollmentStatus, Location, Notice, NoticeStatus, Session
from tests.scale_out.conftest import INSTRUCTOR, TEAM_CHANNEL, World

GOTO_LIMIT = 10


async def sessions_of(world: World) -> list[Session]:
    async with world.runtime.engine.connect() as conn:
        rows = await conn.execute(select(Session).where(col(Session.id).in_(world.session_ids)))
        return [Session.model_validate(row._mapping) for row in rows]


async def notices_of(world: World) -> list[Notice]:
    async with world.runtime.engine.connect() as conn:
        return [Notice.model_validate(row._mapping) for row in await conn.execute(select(Notice))]


async def completed_learners(world: World) -> int:
    async with world.runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(col(Enrollment.id)).where(col(Enrollment.status) == EnrollmentStatus.COMPLETE)
        )
        return len(rows.all())


def attendance_reads(requests: list[dict[str, Any]], world: World) -> Counter[str]:
    """How many times GoTo was asked for each session's list of sessions (once per run)."""
    keys = {str(p.webinar_key) for p in world.planned}
    read: Counter[str] = Counter()
    for request in requests:
        found = re.search(r"/webinars/(\d+)/sessions$", request["path"])
        if found and found.group(1) in keys and request["status"] == 200:
            read[found.group(1)] += 1
    return read


async def assert_everything_once(world: World) -> None:
    """Every session synced by one run, every notice posted once, GoTo's limit kept."""
    sessions = await sessions_of(world)
    assert all(s.sync_done_at is not None for s in sessions)
    assert [s.sync_runs for s in sessions] == [1] * len(world.session_ids)
    requests = await world.goto_requests()
    assert attendance_reads(requests, world) == {str(p.webinar_key): 1 for p in world.planned}
    assert not [r for r in requests if r["status"] == 429]
    peaks = one_second_peaks(requests)
    assert set(peaks) == {f"bench-key-{n}" for n in range(len({p.location for p in world.planned}))}
    assert max(peaks.values()) <= GOTO_LIMIT, peaks

    notices = await notices_of(world)
    assert {n.status for n in notices} == {NoticeStatus.SENT}
    posts = world.posts()
    assert posts == {n.id: 1 for n in notices}
    reports = Counter(n.channel for n in notices if n.kind == "completion_report")
    assert reports == {TEAM_CHANNEL: len(sessions), INSTRUCTOR: len(sessions)}
    dms = [n for n in notices if n.kind == "enrollment_completed"]
    assert len(dms) == await completed_learners(world) > 0


async def lapsing_connections(world: World, *days_left: int) -> list[int]:
    """Give the locations connections that lapse in so many days; their ids."""
    async with world.runtime.engine.begin() as conn:
        found = await conn.execute(select(col(Location.id)).order_by(col(Location.id)))
        ids = [location_id for location_id in found.scalars() if location_id is not None]
        for location_id, days in zip(ids, days_left, strict=True):
            await conn.execute(
                update(Location)
                .where(col(Location.id) == location_id)
                .values(connection_expires_at=datetime.now(UTC) + timedelta(days=days, hours=1))
            )
    return ids


async def test_three_workers_sync_each_session_once_within_each_keys_rate(make_world: Any) -> None:
    async with make_world(locations=2, sessions=12, learners=6) as world:
        # One connection lapses in 2 days, the other in 6: each warning is due in every worker.
        rooms = await lapsing_connections(world, 2, 6)
        env = world.env(VILTBOT_WARNING_POLL_SECONDS="1")
        async with workers(world.folder, env) as running:
            await running.start(3)
            await wait_until_done(
                world.runtime.engine, world.session_ids, within=120, running=running
            )
            logs = running.logs()
        await assert_everything_once(world)
        warnings = Counter(
            (n.dedupe_key.split(":")[1], n.dedupe_key.split(":")[3], n.channel)
            for n in await notices_of(world)
            if n.kind == "connection_warning" and n.dedupe_key
        )
        # Each due warning once, to the team's channel and to the admin who linked the location.
        assert warnings == {
            (str(room), stage, channel): 1
            for room, stage in zip(rooms, ("3d", "7d"), strict=True)
            for channel in (TEAM_CHANNEL, INSTRUCTOR)
        }
        # The work was shared: more than one process synced sessions.
        busy = [part for part in logs.split("--- worker-")[1:] if "attendance sync: #" in part]
        assert len(busy) >= 2, logs


async def test_a_killed_worker_leaves_its_sessions_to_the_others(make_world: Any) -> None:
    # GoTo answers each request 0.3 s late, so a run is still asking GoTo when the worker dies.
    async with make_world(locations=2, sessions=4, learners=6, latency=0.3) as world:
        env = world.env(VILTBOT_SYNC_LEASE_SECONDS="5", VILTBOT_NOTICE_LEASE_SECONDS="5")
        async with workers(world.folder, env) as running:
            (doomed,) = await running.start(1)
            held = await sessions_held(world, within=60)
            running.kill(doomed)
            assert await doomed.wait() == -9
            # What the killed worker held is still held (until its lease runs out).
            assert held <= {s.id for s in await sessions_of(world) if s.sync_lease_until}
            await running.start(2)
            await wait_until_done(
                world.runtime.engine, world.session_ids, within=120, running=running
            )
        done = {s.id: s for s in await sessions_of(world)}
        assert all(done[sid].sync_runs == 1 and done[sid].sync_done_at for sid in held)
        await assert_everything_once(world)


async def sessions_held(world: World, *, within: float) -> set[int]:
    """The sessions a sync run holds, once one does."""
    started = datetime.now(UTC)
    while (datetime.now(UTC) - started).total_seconds() < within:
        held = {
            s.id
            for s in await sessions_of(world)
            if s.sync_lease_until is not None and s.id is not None
        }
        if held:
            return held
        await asyncio.sleep(0.05)
    raise TimeoutError("no worker took a session")
