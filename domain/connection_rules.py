"""Pure rules of a GoTo connection's life: when its tokens are refreshed, which expiry warning
is due, when the Re-link button shows. The clock is passed in."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain import mrkdwn
from domain.models import Location
from domain.rules import ConnectionState, ConnectionStatus

# An access token expiring within this long is refreshed ahead of time by the job.
REFRESH_AHEAD = timedelta(minutes=15)
# How long one process holds a location's refresh before another may take it over.
REFRESH_LEASE = timedelta(minutes=5)
# Days before `connection_expires_at` when the owner team is warned, latest last.
WARNING_DAYS: tuple[int, ...] = (7, 3, 1)
# The Re-link button shows from this long before the connection lapses.
RELINK_WINDOW = timedelta(days=WARNING_DAYS[0])
# A lapse or failure older than this is not looked at again by the warnings job.
WARN_AT_MOST_AFTER = timedelta(days=30)
LAPSED = "lapsed"
FAILED = "failed"


def warning_stage(expires_at: datetime, now: datetime) -> str | None:
    """The latest warning due for a connection expiring at `expires_at`: "7d", "3d", "1d",
    "lapsed", or None while more than 7 days are left. Stages the job skipped (it did not run
    for days) are not due any more: only the latest one is."""
    if expires_at <= now:
        return LAPSED
    left = expires_at - now
    due = [days for days in WARNING_DAYS if left <= timedelta(days=days)]
    return f"{min(due)}d" if due else None


def warning_key(location_id: int, stage: str, instant: datetime, channel: str) -> str:
    """The dedupe key of one warning to one channel: a renewed connection (a new expiry) or a
    new failure (a new instant) gets its own warnings; the same stage is never posted twice."""
    return f"connection:{location_id}:{instant:%Y%m%dT%H%M%S}:{stage}:{channel}"


def offers_relink(status: ConnectionStatus) -> bool:
    """Whether the Re-link button shows: lapsed, failed, or lapsing within 7 days."""
    if status.state in (ConnectionState.EXPIRED, ConnectionState.FAILED):
        return True
    return (
        status.state is ConnectionState.CONNECTED
        and status.days_left is not None
        and status.days_left < RELINK_WINDOW.days
    )


def is_paused(*, expires_at: datetime | None, error: str | None, now: datetime) -> bool:
    """Whether GoTo work of a location waits for a re-link: its connection lapsed or failed."""
    return error is not None or (expires_at is not None and expires_at <= now)


def sync_paused(location: Location, now: datetime) -> str | None:
    """Why sync of the location's sessions waits (its GoTo connection lapsed or failed), if it
    does: the words a report and `/vilt sync` show."""
    if not is_paused(
        expires_at=location.connection_expires_at, error=location.connection_error, now=now
    ):
        return None
    name = mrkdwn.bold(location.name)
    relink = mrkdwn.code(f"/vilt location link {location.name}")
    if location.connection_error is not None:
        failed = location.connection_failed_at
        on = f" on {failed:%Y-%m-%d}" if failed else ""
        why = (
            f"the GoTo connection of {name} failed{on} ({mrkdwn.escape(location.connection_error)})"
        )
    else:
        assert location.connection_expires_at is not None
        why = f"the GoTo connection of {name} lapsed on {location.connection_expires_at:%Y-%m-%d}"
    return (
        f"sync paused: {why}. It resumes by itself, nothing lost, once an admin of the owner "
        f"team re-links it ({relink})"
    )
