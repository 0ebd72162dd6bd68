"""Store notices the bot owes; delivery happens in a job."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

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
    existing = await _by_key(uow, dedupe_key)
    if existing is not None:
        return existing
    notice = Notice(
        workspace_id=workspace_id,
        kind=kind,
        channel=channel,
        text=text,
        blocks_json=json.dumps(list(blocks)) if blocks else None,
        dedupe_key=dedupe_key,
        next_attempt_at=not_before or utcnow(),
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(notice)
    except IntegrityError:
        # Another process stored the same key between our look-up and insert.
        found = await _by_key(uow, dedupe_key)
        assert found is not None
        return found
    return notice


async def _by_key(uow: UnitOfWork, dedupe_key: str) -> Notice | None:
    result = await uow.session.execute(select(Notice).where(Notice.dedupe_key == dedupe_key))
    return result.scalar_one_or_none()
