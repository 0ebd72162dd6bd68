"""A location's GoTo connection after linking: tokens refreshed ahead of expiry (by one process
at a time), failures recorded with GoTo's reason, and the owner team warned before it lapses.

A connection is *in use* while its location has a scheduled session that has not ended yet, or
one that ended and whose attendance sync is not done: only those are refreshed ahead of time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, update
from sqlmodel import col, select

from domain import mrkdwn
from domain.connection_rules import (
    FAILED,
    LAPSED,
    REFRESH_AHEAD,
    REFRESH_LEASE,
    WARN_AT_MOST_AFTER,
    WARNING_DAYS,
    warning_key,
    warning_stage,
)
from domain.errors import NotFound
from domain.models import Location, Notice, Session, SessionStatus, Team
from domain.ports import (
    RefreshedTokens,
    RefreshPostponed,
    RefreshRefused,
    SecretSealer,
    TokenRefresher,
    UnitOfWork,
)
from domain.services.notices import enqueue_new_notices
from domain.types import utcnow

log = logging.getLogger(__name__)

PROBLEM_MAX_LENGTH = 500  # the size of Location.connection_error
# The button of every warning and of Home / `location show`: a fresh link for an admin.
RELINK_ACTION = "relink_location"
# Locations one refresh run looks at.
REFRESH_BATCH = 200
# The warnings job looks at connections lapsing within this long.
WARNING_DAYS_AHEAD = timedelta(days=WARNING_DAYS[0])

Units = Callable[[], AbstractAsyncContextManager[UnitOfWork]]


async def store_refreshed_tokens(
    uow: UnitOfWork,
    location_id: int,
    *,
    sealer: SecretSealer,
    access_token: str,
    refresh_token: str,
    access_expires_at: datetime,
    connection_expires_at: datetime | None,
) -> Location:
    """Keep the tokens GoTo handed out on a refresh, encrypted; the connection is healthy again."""
    location = await uow.session.get(Location, location_id)
    if location is None:
        raise NotFound("That location no longer exists.")
    location.access_token_enc = sealer.encrypt(access_token)
    location.refresh_token_enc = sealer.encrypt(refresh_token)
    location.access_expires_at = access_expires_at
    if connection_expires_at is not None:
        location.connection_expires_at = connection_expires_at
    location.connection_error = None
    location.connection_failed_at = None
    location.updated_at = utcnow()
    await uow.session.flush()
    return location


async def mark_connection_failed(
    uow: UnitOfWork, location_id: int, *, problem: str, now: datetime | None = None
) -> None:
    """Show the location's connection as failed, saying why, until it is refreshed or re-linked;
    the owner team is warned once per failure (by the warnings job, or here when `now` is given)."""
    location = await uow.session.get(Location, location_id)
    if location is None:
        return  # deleted meanwhile: nothing left to mark
    expires = location.connection_expires_at
    if expires is not None and expires <= (now or utcnow()):
        return  # lapsed already: its status and warning say so, a re-link is due either way
    location.connection_error = problem[:PROBLEM_MAX_LENGTH]
    if location.connection_failed_at is None:
        location.connection_failed_at = now or utcnow()
    location.updated_at = utcnow()
    await uow.session.flush()
    if now is not None:
        await queue_warnings_for(uow, [location], now=now)


# --- refresh ahead of expiry ------------------------------------------------------------------


@dataclass
class RefreshRun:
    """What one run of the refresh job did, by location id."""

    refreshed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    postponed: list[int] = field(default_factory=list)
    # Taken by another process meanwhile (its lease, or tokens it already rotated).
    skipped: list[int] = field(default_factory=list)


def depends_on_connection(now: datetime) -> Any:
    """SQL, on Session: a scheduled session ahead, or one ended whose attendance sync is not
    done — it needs its location's GoTo connection."""
    return and_(
        col(Session.status) == SessionStatus.SCHEDULED.value,
        or_(
            col(Session.ends_at) > now,
            and_(col(Session.goto_event_key).is_not(None), col(Session.sync_done_at).is_(None)),
        ),
    )


def in_use(now: datetime) -> Any:
    """SQL: the location has a session that depends on its connection."""
    return exists().where(col(Session.location_id) == col(Location.id), depends_on_connection(now))


def _lease_free(now: datetime) -> Any:
    return or_(col(Location.refresh_lease_until).is_(None), col(Location.refresh_lease_until) < now)


async def refresh_due(
    units: Units,
    *,
    refresher: TokenRefresher,
    sealer: SecretSealer,
    now: datetime,
    limit: int = REFRESH_BATCH,
) -> RefreshRun:
    """Refresh the tokens of connections in use whose access token expires within
    `REFRESH_AHEAD`. Each location is claimed with a conditional UPDATE of its refresh lease
    (and of the refresh token read), so two processes never send the same refresh token; GoTo
    is asked with no transaction open. A refusal marks the connection failed with GoTo's reason
    and warns the owner team once; GoTo not answering leaves it for the next run."""
    run = RefreshRun()
    async with units() as uow:
        candidates = list(
            (
                await uow.session.execute(
                    select(Location)
                    .where(
                        col(Location.refresh_token_enc).is_not(None),
                        col(Location.access_expires_at).is_not(None),
                        col(Location.access_expires_at) <= now + REFRESH_AHEAD,
                        col(Location.connection_error).is_(None),
                        or_(
                            col(Location.connection_expires_at).is_(None),
                            col(Location.connection_expires_at) > now,
                        ),
                        _lease_free(now),
                        in_use(now),
                    )
                    .order_by(col(Location.access_expires_at), col(Location.id))
                    .limit(limit)
                )
            ).scalars()
        )
    for location in candidates:
        assert location.id is not None
        try:
            outcome = await _refresh_one(units, location, refresher, sealer, now=now)
        except Exception:
            log.exception("refresh of location %s failed; it will run again", location.id)
            outcome = "postponed"
        getattr(run, outcome).append(location.id)
    return run


async def refresh_location(
    units: Units,
    location_id: int,
    *,
    refresher: TokenRefresher,
    sealer: SecretSealer,
    now: datetime,
) -> str:
    """Refresh one linked location's tokens now, due or not (claimed like the job's): what
    happened, "refreshed", "failed", "postponed" or "skipped" (not linked, failed already, or
    another process holds it)."""
    async with units() as uow:
        location = await uow.session.get(Location, location_id)
    if location is None or location.refresh_token_enc is None or location.connection_error:
        return "skipped"
    return await _refresh_one(units, location, refresher, sealer, now=now)


async def _refresh_one(
    units: Units,
    location: Location,
    refresher: TokenRefresher,
    sealer: SecretSealer,
    *,
    now: datetime,
) -> str:
    lease = now + REFRESH_LEASE
    token = location.refresh_token_enc
    async with units() as uow:
        taken = await uow.session.execute(
            update(Location)
            .where(
                col(Location.id) == location.id,
                col(Location.refresh_token_enc) == token,
                _lease_free(now),
            )
            .values(refresh_lease_until=lease)
        )
        await uow.commit()
    if _rowcount(taken) != 1:
        return "skipped"
    outcome = await refresher.refresh(location)
    # Stored only while the refresh token sent is still the one held: tokens another process
    # stored meanwhile (an on-demand refresh) win, and their connection has not failed.
    ours = [col(Location.id) == location.id, col(Location.refresh_token_enc) == token]
    async with units() as uow:
        if isinstance(outcome, RefreshedTokens):
            values: dict[str, Any] = {
                "access_token_enc": sealer.encrypt(outcome.access_token),
                "refresh_token_enc": sealer.encrypt(outcome.refresh_token),
                "access_expires_at": outcome.access_expires_at,
                "connection_error": None,
                "connection_failed_at": None,
                "refresh_lease_until": None,
                "updated_at": now,
            }
            if outcome.connection_expires_at is not None:
                values["connection_expires_at"] = outcome.connection_expires_at
            stored = await uow.session.execute(update(Location).where(*ours).values(**values))
            result = "refreshed" if _rowcount(stored) == 1 else "skipped"
            if result == "skipped":
                log.warning("location %s: another process stored tokens first", location.id)
        elif isinstance(outcome, RefreshRefused):
            marked = await uow.session.execute(
                update(Location)
                .where(*ours)
                .values(
                    connection_error=outcome.reason[:PROBLEM_MAX_LENGTH],
                    connection_failed_at=now,
                    refresh_lease_until=None,
                    updated_at=now,
                )
            )
            # A refresh token another process rotated meanwhile is refused too: not a failure.
            result = "failed" if _rowcount(marked) == 1 else "skipped"
            if result == "failed":
                fresh = await uow.session.get(Location, location.id, populate_existing=True)
                if fresh is not None:
                    await queue_warnings_for(uow, [fresh], now=now)
        else:
            assert isinstance(outcome, RefreshPostponed)
            await uow.session.execute(
                update(Location).where(*ours).values(refresh_lease_until=None)
            )
            log.info("refresh of location %s postponed: %s", location.id, outcome.reason)
            result = "postponed"
        await uow.commit()
    return result


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# --- warnings ----------------------------------------------------------------------------------


async def queue_connection_warnings(uow: UnitOfWork, *, now: datetime) -> int:
    """Store the warnings now due (7, 3, 1 days before a connection lapses, when it lapsed, when
    it failed), each once, to the owner team's channel and the admin who linked it; return how
    many were new. Two statements whatever the number of locations."""
    soon = now + WARNING_DAYS_AHEAD
    rows = list(
        (
            await uow.session.execute(
                select(Location).where(
                    col(Location.refresh_token_enc).is_not(None),
                    or_(
                        and_(
                            col(Location.connection_error).is_not(None),
                            col(Location.connection_failed_at) > now - WARN_AT_MOST_AFTER,
                        ),
                        and_(
                            col(Location.connection_expires_at) <= soon,
                            col(Location.connection_expires_at) > now - WARN_AT_MOST_AFTER,
                        ),
                    ),
                )
            )
        ).scalars()
    )
    return await queue_warnings_for(uow, rows, now=now)


async def queue_warnings_for(uow: UnitOfWork, locations: list[Location], *, now: datetime) -> int:
    """Store the warning due now for each location (none when none is due), deduplicated."""
    due: list[tuple[Location, tuple[str, datetime]]] = []
    for location in locations:
        found = _stage(location, now)
        if found is not None:
            due.append((location, found))
    if not due:
        return 0
    team_ids = {location.owner_team_id for location, _ in due}
    teams = {
        team.id: team
        for team in (
            await uow.session.execute(select(Team).where(col(Team.id).in_(team_ids)))
        ).scalars()
    }
    notices: list[Notice] = []
    for location, (stage, instant) in due:
        team = teams.get(location.owner_team_id)
        channels = [c for c in (team.channel_id if team else None, location.linked_by) if c]
        text, blocks = warning_message(
            location, stage, team_name=team.name if team else None, now=now
        )
        for channel in dict.fromkeys(channels):
            assert location.id is not None
            notices.append(
                Notice(
                    workspace_id=location.workspace_id,
                    kind="connection_warning",
                    channel=channel,
                    text=text,
                    blocks_json=json.dumps(blocks),
                    dedupe_key=warning_key(location.id, stage, instant, channel),
                )
            )
    return len(await enqueue_new_notices(uow, notices))


def _stage(location: Location, now: datetime) -> tuple[str, datetime] | None:
    if location.connection_error is not None and location.connection_failed_at is not None:
        return FAILED, location.connection_failed_at
    if location.connection_error is not None or location.connection_expires_at is None:
        return None
    stage = warning_stage(location.connection_expires_at, now)
    return (stage, location.connection_expires_at) if stage else None


def warning_message(
    location: Location, stage: str, *, team_name: str | None, now: datetime
) -> tuple[str, list[dict[str, Any]]]:
    """A warning's text and blocks, with the Re-link button. Times show in the reader's own
    time zone; the days left are counted as App Home counts them."""
    name = mrkdwn.bold(location.name)
    account = mrkdwn.escape(location.goto_email or "its GoTo account")
    expires = location.connection_expires_at
    when = mrkdwn.date(expires, "{date_short_pretty} at {time}") if expires else "soon"
    if stage == FAILED:
        reason = (location.connection_error or "GoTo refused it").rstrip(". ")
        text = (
            f":red_circle: The GoTo connection of {name} ({account}) failed: "
            f"{mrkdwn.escape(reason)}. "
        )
    elif stage == LAPSED:
        text = f":red_circle: The GoTo connection of {name} ({account}) lapsed {when}. "
    else:
        assert expires is not None
        days = (expires - now).days
        left = f"in {days} day{'s' if days != 1 else ''}" if days else "within a day"
        text = f":warning: The GoTo connection of {name} ({account}) lapses {left}, {when}. "
    if stage in (FAILED, LAPSED):
        text += "Registrations and attendance sync at this location wait until it is re-linked. "
    who = f"an admin of {mrkdwn.bold(team_name)}" if team_name else "an admin of its owner team"
    text += (
        f"Re-link it ({who}) with the button or "
        f"{mrkdwn.code('/vilt location link ' + location.name)}."
    )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}},
        {
            "type": "actions",
            "block_id": "relink",
            "elements": [
                {
                    "type": "button",
                    "action_id": RELINK_ACTION,
                    "text": {"type": "plain_text", "text": "Re-link"},
                    "value": str(location.id),
                    "style": "primary",
                }
            ],
        },
    ]
    return text, blocks
