"""GoTo's rate limit per consumer key, shared by every viltbot process on one PostgreSQL.

One row per consumer key holds the last moment reserved to send a request, which process
reserved it, and until when several processes are known to share the key. A process reserves the
next moment with one atomic INSERT … ON CONFLICT DO UPDATE … RETURNING that reads the database's
own clock, so processes on different machines (with different clocks) share one schedule.

One process alone on a key gets moments `alone` seconds apart. Once another process reserved
on the key, they are `shared` seconds apart for `SHARED_FOR`: requests that separate processes
send at their reserved moments reach GoTo a little more or less far apart than reserved (each
wakes up, and is given the CPU, on its own), so several processes keep more headroom.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, DateTime, MetaData, String, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

# How long a key counts as shared after a second process reserved on it.
SHARED_FOR_SECONDS = 60

rate_metadata = MetaData()
goto_rate_slots = Table(
    "goto_rate_slot",
    rate_metadata,
    Column("consumer_key", String(255), primary_key=True),
    Column("last_slot", DateTime(timezone=True), nullable=False),
    Column("last_holder", String(64), nullable=False),
    Column("shared_until", DateTime(timezone=True), nullable=True),
)

_RESERVE = text(
    f"""
    INSERT INTO goto_rate_slot AS s (consumer_key, last_slot, last_holder)
    VALUES (:key, clock_timestamp(), :holder)
    ON CONFLICT (consumer_key) DO UPDATE
    SET last_slot = greatest(
            s.last_slot + make_interval(secs => CASE
                WHEN s.last_holder <> EXCLUDED.last_holder
                    OR s.shared_until > clock_timestamp()
                THEN CAST(:shared AS double precision)
                ELSE CAST(:alone AS double precision)
            END),
            clock_timestamp()
        ),
        shared_until = CASE
            WHEN s.last_holder <> EXCLUDED.last_holder
            THEN clock_timestamp() + interval '{SHARED_FOR_SECONDS} seconds'
            ELSE s.shared_until
        END,
        last_holder = EXCLUDED.last_holder
    RETURNING CAST(extract(epoch FROM s.last_slot - clock_timestamp()) AS double precision),
        coalesce(s.shared_until > clock_timestamp(), false)
    """
)


@dataclass(frozen=True)
class Reservation:
    """A reserved moment: seconds to wait for it, and whether other processes share the key."""

    wait: float
    shared: bool


async def reserve_slot(
    engine: AsyncEngine, consumer_key: str, holder: str, *, alone: float, shared: float
) -> Reservation:
    """Reserve the consumer key's next moment to send for `holder` (one statement,
    autocommitted); the wait is 0 when the moment is now."""
    values = {"key": consumer_key, "holder": holder, "alone": alone, "shared": shared}
    async with engine.connect() as conn:
        wait, is_shared = (await conn.execute(_RESERVE, values)).one()
        await conn.commit()
    return Reservation(max(0.0, float(wait)), bool(is_shared))
