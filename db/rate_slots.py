"""GoTo's rate limit per consumer key, shared by every viltbot process on one PostgreSQL.

One row per consumer key holds the last moment reserved to send a request, which process
reserved it, and until when several processes are known to share the key. A process reserves the
next moment with one atomic INSERT … ON CONFLICT DO UPDATE … RETURNING that reads the database's
own clock, so processes on different machines (with different clocks) share one schedule.

One process alone on a key gets moments `alone` seconds apart. Once another process reserved
on the key while the last one was active, they are `shared` seconds apart for `SHARED_FOR`: requests that separate processes
send at their reserved moments reach GoTo a little more or less far apart than reserved (each
wakes up, and is given the CPU, on its own), so several processes keep more headroom.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, DateTime, MetaData, String, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

# How long a key counts as shared after a second process reserved on it.
SHARED_FOR_SECONDS = 60
# Another process whose last moment is older than this is gone, or not sending now: the key is
# not shared with it (a process that stopped leaves its row behind).
ACTIVE_SECONDS = 5
_OTHER_ACTIVE = (
    "(s.last_holder <> EXCLUDED.last_holder "
    f"AND s.last_slot > clock_timestamp() - interval '{ACTIVE_SECONDS} seconds')"
)
# Shared: another process is active now, or was when this one took over (for SHARED_FOR).
_SHARED = (
    f"({_OTHER_ACTIVE} OR (s.last_holder = EXCLUDED.last_holder "
    "AND s.shared_until > clock_timestamp()))"
)

rate_metadata = MetaData()
goto_rate_slots = Table(
    "goto_rate_slot",
    rate_metadata,
    Column("consumer_key", String(255), primary_key=True),
    Column("last_slot", DateTime(timezone=True), nullable=False),
    Column("last_holder", String(64), nullable=False),
    Column("shared_until", DateTime(timezone=True), nullable=True),
)

_STEP = f"""make_interval(secs => CASE
        WHEN {_SHARED}
        THEN CAST(:shared AS double precision)
        ELSE CAST(:alone AS double precision)
    END)"""

# `count` moments in a row; the answer is the last one's wait, and whether the key is shared.
_RESERVE = text(
    f"""
    INSERT INTO goto_rate_slot AS s (consumer_key, last_slot, last_holder)
    VALUES (
        :key,
        clock_timestamp() + make_interval(secs => CAST(:alone AS double precision) * (:count - 1)),
        :holder
    )
    ON CONFLICT (consumer_key) DO UPDATE
    SET last_slot = greatest(s.last_slot + {_STEP}, clock_timestamp()) + {_STEP} * (:count - 1),
        shared_until = CASE
            WHEN {_OTHER_ACTIVE}
            THEN clock_timestamp() + interval '{SHARED_FOR_SECONDS} seconds'
            WHEN s.last_holder <> EXCLUDED.last_holder THEN NULL
            ELSE s.shared_until
        END,
        last_holder = EXCLUDED.last_holder
    RETURNING CAST(extract(epoch FROM s.last_slot - clock_timestamp()) AS double precision),
        coalesce(s.shared_until > clock_timestamp(), false)
    """
)


@dataclass(frozen=True)
class Reservation:
    """Reserved moments: seconds to wait for the first, how far apart they are, and whether
    other processes share the key."""

    wait: float
    step: float
    shared: bool


async def reserve_slot(
    engine: AsyncEngine,
    consumer_key: str,
    holder: str,
    *,
    alone: float,
    shared: float,
    count: int = 1,
) -> Reservation:
    """Reserve the consumer key's next `count` moments to send for `holder` (one statement,
    autocommitted); the wait is 0 when the first moment is now."""
    values = {
        "key": consumer_key,
        "holder": holder,
        "alone": alone,
        "shared": shared,
        "count": count,
    }
    async with engine.connect() as conn:
        last_wait, is_shared = (await conn.execute(_RESERVE, values)).one()
        await conn.commit()
    step = shared if is_shared else alone
    first = float(last_wait) - step * (count - 1)
    return Reservation(max(0.0, first), step, bool(is_shared))
