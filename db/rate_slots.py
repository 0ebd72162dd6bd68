"""GoTo's rate limit per consumer key, shared by every viltbot process on one PostgreSQL.

One row per consumer key holds the next free moment to send a request. A process reserves a
moment with one atomic INSERT … ON CONFLICT DO UPDATE … RETURNING that reads the database's own
clock, so processes on different machines (with different clocks) share one schedule.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

rate_metadata = MetaData()
goto_rate_slots = Table(
    "goto_rate_slot",
    rate_metadata,
    Column("consumer_key", String(255), primary_key=True),
    Column("next_slot", DateTime(timezone=True), nullable=False),
)

# The slot after the reserved one moves `step` seconds on; the answer is how long to wait for the
# reserved one (negative when it is already past).
_RESERVE = text(
    """
    INSERT INTO goto_rate_slot AS s (consumer_key, next_slot)
    VALUES (:key, clock_timestamp() + make_interval(secs => CAST(:step AS double precision)))
    ON CONFLICT (consumer_key) DO UPDATE
    SET next_slot = greatest(s.next_slot, clock_timestamp())
        + make_interval(secs => CAST(:step AS double precision))
    RETURNING CAST(extract(epoch FROM s.next_slot - clock_timestamp()) AS double precision)
        - CAST(:step AS double precision)
    """
)


async def reserve_slot(engine: AsyncEngine, consumer_key: str, step: float) -> float:
    """Reserve the consumer key's next moment to send (one statement, autocommitted); return
    the seconds to wait for it (0 when it is now)."""
    async with engine.connect() as conn:
        wait = (await conn.execute(_RESERVE, {"key": consumer_key, "step": step})).scalar_one()
        await conn.commit()
    return max(0.0, float(wait))
