"""Store notices the bot owes; delivery happens in a job."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from domain.models import Notice
from domain.ports import UnitOfWork
from domain.types import utcnow


async def enqueue_notice(
    uow: UnitOfWork,
    *,
    workspace_id: str,
    kind: str,
    channel: str,
    text: str,
    dedupe_key: str,
    blocks: Sequence[dict[str, Any]] | None = None,
    not_before: datetime | None = None,
) -> Notice:
    """Add a notice unless one with the same dedupe key exists; return the stored one."""
    notice = Notice(
        workspace_id=workspace_id,
        kind=kind,
        channel=channel,
        text=text,
        blocks_json=json.dumps(list(blocks)) if blocks else None,
        dedupe_key=dedupe_key,
        next_attempt_at=not_before or utcnow(),
    )
    # One statement that is a no-op when the key exists, also when another process stored it
    # a moment ago: no look-up race and no savepoint (which SQLite's driver would commit).
    values = notice.model_dump(exclude={"id"})
    dialect = uow.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await uow.session.execute(
        insert(Notice).values(values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    stored = await _by_key(uow, dedupe_key)
    assert stored is not None
    return stored


async def enqueue_new_notices(uow: UnitOfWork, notices: Sequence[Notice]) -> list[Notice]:
    """Add each notice whose dedupe key is not stored yet, in one statement; return those added
    (with their ids).

    Safe when several processes run it at once: a key stored by another a moment ago is skipped.
    """
    if not notices:
        return []
    dialect = uow.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [notice.model_dump(exclude={"id"}) for notice in notices]
    result = await uow.session.execute(
        insert(Notice)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(col(Notice.id), col(Notice.dedupe_key))
    )
    ids = {key: notice_id for notice_id, key in result.all()}
    added = [notice for notice in notices if notice.dedupe_key in ids]
    for notice in added:
        notice.id = ids[notice.dedupe_key]
    return added


async def _by_key(uow: UnitOfWork, dedupe_key: str) -> Notice | None:
    result = await uow.session.execute(select(Notice).where(Notice.dedupe_key == dedupe_key))
    return result.scalar_one_or_none()
