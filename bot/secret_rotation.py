"""Re-encrypt every stored secret under the newest VILTBOT_SECRET_KEY (`viltbot rotate-secrets`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto import SecretBox
from db.slack_tables import bots_table, installations_table
from domain.models import Location

LOCATION_TABLE: Table = Location.__table__  # type: ignore[attr-defined]

# Every column that holds a secret sealed by SecretBox.
SEALED_COLUMNS: dict[Table, tuple[str, ...]] = {
    LOCATION_TABLE: ("consumer_secret_enc", "access_token_enc", "refresh_token_enc"),
    installations_table: ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
    bots_table: ("bot_token", "bot_refresh_token"),
}


@dataclass(frozen=True)
class RotationCount:
    """How many values of one column were re-encrypted."""

    table: str
    column: str
    values: int


async def rotate_secrets(engine: AsyncEngine, box: SecretBox) -> list[RotationCount]:
    """Re-encrypt every sealed value with the newest key, in one transaction.

    A value no listed key can open stops the rotation with nothing changed, so that an
    operator who forgot an old key loses no data.
    """
    counts: list[RotationCount] = []
    async with engine.begin() as conn:
        for table, columns in SEALED_COLUMNS.items():
            key = table.c["id"]
            for column in columns:
                rows = (
                    await conn.execute(
                        select(key, table.c[column]).where(table.c[column].is_not(None))
                    )
                ).all()
                rotated = 0
                for row_id, stored in rows:
                    if not stored:
                        continue
                    try:
                        resealed = box.reseal(stored)
                    except ValueError as exc:
                        raise ValueError(
                            f"{table.name}.{column} of row {row_id}: {exc}; nothing was changed"
                        ) from None
                    await conn.execute(
                        update(table).where(key == row_id).values({column: resealed})
                    )
                    rotated += 1
                counts.append(RotationCount(table.name, column, rotated))
    return counts
