"""Gauges read from the database at scrape time: notices by status, GoTo connections.

A scrape costs READ_STATEMENTS statements whatever the number of notices and locations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import and_, case, func, literal, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from domain.models import Location, LocationKind, Notice, NoticeStatus
from domain.rules import ConnectionState, connection_status
from domain.types import UTCDateTime

READ_STATEMENTS = 2

# The connection states a GoTo location can be in, as metric labels.
CONNECTION_STATES = (
    ConnectionState.CONNECTED,
    ConnectionState.EXPIRED,
    ConnectionState.FAILED,
    ConnectionState.NOT_LINKED,
)
# Notices still owed (pending, or being posted right now).
UNDELIVERED = (NoticeStatus.PENDING, NoticeStatus.SENDING)


@dataclass(frozen=True)
class DatabaseSnapshot:
    """What the gauges show: read in one go, at `now`."""

    now: datetime
    notices: dict[NoticeStatus, int] = field(default_factory=dict)
    # When the notice owed longest became due (None: nothing is owed).
    oldest_due: datetime | None = None
    connections: dict[ConnectionState, int] = field(default_factory=dict)
    # Days until each connected or lapsed location's connection lapses (0 once lapsed).
    days_left: dict[int, float] = field(default_factory=dict)

    @property
    def oldest_pending_age_seconds(self) -> float:
        """How long the notice owed longest has waited since it became due (0: none owed)."""
        if self.oldest_due is None:
            return 0.0
        return max(0.0, (self.now - self.oldest_due).total_seconds())


async def read_snapshot(engine: AsyncEngine, now: datetime) -> DatabaseSnapshot:
    """Read the notice counts and the GoTo connections (READ_STATEMENTS statements)."""
    # A notice is due from its first claim, or, never claimed, from its next attempt; one
    # scheduled for later (an instructor reminder) is not owed yet.
    due_since = func.coalesce(col(Notice.first_attempt_at), col(Notice.next_attempt_at))
    owed_since = case(
        (
            and_(col(Notice.status).in_(UNDELIVERED), due_since <= literal(now, UTCDateTime())),
            due_since,
        ),
        else_=None,
    )
    notices = select(
        col(Notice.status), func.count(), type_coerce(func.min(owed_since), UTCDateTime())
    ).group_by(col(Notice.status))
    locations = select(
        col(Location.id),
        col(Location.kind),
        col(Location.connection_expires_at),
        col(Location.connection_error),
    ).where(col(Location.active), col(Location.kind) != LocationKind.CLASSROOM)
    async with engine.connect() as conn:
        notice_rows = (await conn.execute(notices)).all()
        location_rows = (await conn.execute(locations)).all()

    counts = {status: 0 for status in NoticeStatus}
    oldest: datetime | None = None
    for status, count, owed in notice_rows:
        counts[NoticeStatus(status)] = int(count)
        if owed is not None and (oldest is None or owed < oldest):
            oldest = owed
    states = {state: 0 for state in CONNECTION_STATES}
    days_left: dict[int, float] = {}
    for location_id, kind, expires_at, error in location_rows:
        connection = connection_status(
            kind=LocationKind(kind),
            linked_email=None,
            expires_at=expires_at,
            error=error,
            now=now,
        )
        if connection.state not in states:
            continue
        states[connection.state] += 1
        if connection.state in (ConnectionState.CONNECTED, ConnectionState.EXPIRED):
            assert location_id is not None and expires_at is not None
            days_left[location_id] = max(0.0, (expires_at - now).total_seconds() / 86400)
    return DatabaseSnapshot(
        now=now, notices=counts, oldest_due=oldest, connections=states, days_left=days_left
    )


class DatabaseCollector(Collector):
    """Shows the last snapshot handed to it (Metrics.render sets it just before rendering)."""

    def __init__(self) -> None:
        self.snapshot: DatabaseSnapshot | None = None

    def describe(self) -> Iterator[Metric]:
        """The names this collector shows (no values)."""
        yield from self._families(None)

    def collect(self) -> Iterator[Metric]:
        """The gauges of the last snapshot."""
        yield from self._families(self.snapshot)

    @staticmethod
    def _families(snapshot: DatabaseSnapshot | None) -> Iterator[Metric]:
        notices = GaugeMetricFamily(
            "viltbot_notices",
            "Notices by delivery status: pending, sending (being posted), sent, failed.",
            labels=["status"],
        )
        oldest = GaugeMetricFamily(
            "viltbot_oldest_pending_notice_age_seconds",
            "Seconds the notice owed longest has waited since it became due (0: none owed).",
        )
        connections = GaugeMetricFamily(
            "viltbot_goto_connections",
            "Active GoTo locations by connection status: connected, expired, failed, not_linked.",
            labels=["status"],
        )
        days_left = GaugeMetricFamily(
            "viltbot_goto_connection_days_left",
            "Days until a location's GoTo connection lapses (0 once lapsed), by location id.",
            labels=["location"],
        )
        if snapshot is not None:
            for status, count in snapshot.notices.items():
                notices.add_metric([status.value], count)
            oldest.add_metric([], snapshot.oldest_pending_age_seconds)
            for state, count in snapshot.connections.items():
                connections.add_metric([state.value], count)
            for location_id, days in sorted(snapshot.days_left.items()):
                days_left.add_metric([str(location_id)], days)
        yield from (notices, oldest, connections, days_left)
