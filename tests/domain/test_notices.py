"""Notices are stored before they are delivered, once per dedupe key (rule 10)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import update

from domain.models import Notice, NoticeStatus, Workspace
from domain.ports import UnitOfWork
from domain.services.identity import ensure_workspace
from domain.services.notices import enqueue_notice
from tests.domain.conftest import NOW, WS, World


async def enqueue(
    uow: UnitOfWork,
    key: str,
    text: str = "Hello",
    *,
    blocks: list[dict[str, Any]] | None = None,
    not_before: datetime | None = None,
) -> Notice:
    return await enqueue_notice(
        uow,
        workspace_id=WS,
        kind="test",
        channel="C0CHAN0001",
        text=text,
        dedupe_key=key,
        blocks=blocks,
        not_before=not_before,
    )


async def with_workspace(world: World) -> None:
    async with world.uow() as uow:
        await ensure_workspace(uow, WS)
        await uow.commit()


async def test_a_notice_is_stored_pending_with_its_blocks(world: World) -> None:
    await with_workspace(world)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}}]
    async with world.uow() as uow:
        await enqueue(uow, "k1", blocks=blocks, not_before=NOW + timedelta(hours=1))
        await uow.commit()
    (notice,) = await world.rows(Notice)
    assert (notice.status, notice.attempts, notice.channel, notice.text) == (
        NoticeStatus.PENDING,
        0,
        "C0CHAN0001",
        "Hello",
    )
    assert json.loads(notice.blocks_json or "") == blocks
    assert notice.next_attempt_at == NOW + timedelta(hours=1)


async def test_a_notice_without_blocks_or_delay_is_due_now(world: World) -> None:
    await with_workspace(world)
    async with world.uow() as uow:
        await enqueue(uow, "k1")
        await uow.commit()
    (notice,) = await world.rows(Notice)
    assert notice.blocks_json is None
    assert notice.next_attempt_at <= notice.created_at + timedelta(seconds=5)


async def test_the_same_dedupe_key_stores_one_notice_and_returns_it(world: World) -> None:
    await with_workspace(world)
    async with world.uow() as uow:
        first = await enqueue(uow, "once", text="first")
        await uow.commit()
    async with world.uow() as uow:
        again = await enqueue(uow, "once", text="second")
        await uow.commit()
    assert again.id == first.id
    (notice,) = await world.rows(Notice)
    assert notice.text == "first"


async def test_a_notice_stored_by_another_process_meanwhile_is_returned_not_doubled(
    world: World,
) -> None:
    """The other process inserted the key after our look-up: our insert clashes and yields."""
    await with_workspace(world)
    async with world.uow() as other:
        # The other process is mid-transaction: it wrote something before its notice.
        await other.session.execute(update(Workspace).values(name="Acme"))
        theirs = await enqueue(other, "raced", text="theirs")
        # Ours looks the key up (not yet committed: not there), then waits on the insert.
        ours_task = asyncio.create_task(_enqueue_committed(world, "raced", "ours"))
        await asyncio.sleep(0.5)
        await other.commit()
    ours = await ours_task
    assert ours.id == theirs.id
    (notice,) = await world.rows(Notice)
    assert notice.text == "theirs"


async def _enqueue_committed(world: World, key: str, text: str) -> Notice:
    async with world.uow() as uow:
        notice = await enqueue(uow, key, text=text)
        await uow.commit()
    return notice


async def test_a_notice_of_a_unit_of_work_that_rolls_back_is_not_kept(world: World) -> None:
    await with_workspace(world)
    async with world.uow() as uow:
        await enqueue(uow, "never", text="from work that failed")
        await uow.rollback()
    assert await world.rows(Notice) == []
