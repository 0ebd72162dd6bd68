"""Deliver stored notices to Slack exactly once, with back-off and Slack's rate limits.

Exactly once holds also when Slack carried out a post whose answer never arrived: each notice is
posted with its id in the message metadata, and a notice whose earlier post may have landed (the
answer timed out, the connection dropped after sending, or its worker died while it was leased) is
first looked for in the channel's recent history; found, it is marked sent with that message's ts.
When the history cannot be read (a missing `*:history` scope, the bot not in the channel), the
notice is marked failed with the reason rather than risk a second copy.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

import aiohttp
from aiohttp import ClientConnectorError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import and_, func, literal, or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from bot.slack.clients import SlackClients, WorkspaceNotInstalled
from bot.slack.notice_history import HistoryTooLong, find_posted_notice, notice_metadata
from domain.models import Notice, NoticeStatus
from domain.types import UTCDateTime, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

# Slack errors that no retry can fix.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "user_not_found",
        "cannot_dm_bot",
        "restricted_action",
        "missing_scope",
    }
)


class RetryLater(Exception):
    """Slack asked us to wait (HTTP 429); not counted as a failed attempt."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited for {seconds:g}s")
        self.seconds = seconds


class PostFailed(Exception):
    """A post failed; `permanent` says whether retrying can help.

    `in_doubt` says the post may nevertheless have reached Slack (no answer came back).
    """

    def __init__(self, reason: str, *, permanent: bool, in_doubt: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.in_doubt = in_doubt


class NoticePoster(Protocol):
    """Posts one notice and returns the message ts."""

    async def post(self, notice: Notice) -> str: ...


class WebApiPoster:
    """Posts notices with chat.postMessage and classifies Slack's answers."""

    def __init__(self, clients: SlackClients) -> None:
        self._clients = clients

    async def post(self, notice: Notice) -> str:
        """Post the notice (unless an earlier post of it is found); raise RetryLater or PostFailed."""
        assert notice.id is not None
        try:
            client = await self._clients.for_workspace(notice.workspace_id)
        except WorkspaceNotInstalled as exc:
            raise PostFailed("workspace_not_installed", permanent=True) from exc
        if notice.in_doubt:
            found = await _classified(self._find_earlier_post(client, notice), sending=False)
            if found is not None:
                log.info(
                    "notice %s was already in Slack (ts %s): not posted again", notice.id, found
                )
                return found
        blocks = json.loads(notice.blocks_json) if notice.blocks_json else None
        answer = await _classified(
            client.chat_postMessage(
                channel=notice.channel,
                text=notice.text,
                blocks=blocks,
                unfurl_links=False,
                metadata=notice_metadata(notice.id),
            ),
            sending=True,
        )
        return str(answer.get("ts", ""))

    async def _find_earlier_post(self, client: AsyncWebClient, notice: Notice) -> str | None:
        assert notice.id is not None
        since = notice.first_attempt_at or notice.created_at
        try:
            return await find_posted_notice(client, notice.channel, notice.id, since)
        except HistoryTooLong as exc:
            raise PostFailed(f"unconfirmed: {exc}", permanent=True) from exc
        except SlackApiError as exc:
            error = _error_code(exc)
            if exc.response.status_code == 429 or exc.response.status_code >= 500:
                raise
            raise PostFailed(
                f"unconfirmed: an earlier post may have reached Slack, and its history cannot "
                f"be read ({error}); check the channel before re-sending",
                permanent=True,
            ) from exc


async def _classified(call: Awaitable[T], *, sending: bool) -> T:
    """Await a Slack call, turning its failures into RetryLater or PostFailed.

    With `sending`, a call whose answer was lost after it left is `in_doubt`: it may have posted.
    """
    try:
        return await call
    except PostFailed:
        raise
    except SlackApiError as exc:
        status = exc.response.status_code
        error = _error_code(exc)
        if status == 429:
            raise RetryLater(_retry_after(exc.response.headers)) from exc
        raise PostFailed(error, permanent=error in PERMANENT_ERRORS) from exc
    except ClientConnectorError as exc:
        # The connection was never made: the request did not leave.
        raise PostFailed(type(exc).__name__, permanent=False) from exc
    except (TimeoutError, OSError, aiohttp.ClientError) as exc:
        # aiohttp raises its own connection and server errors; all are worth a retry.
        raise PostFailed(type(exc).__name__, permanent=False, in_doubt=sending) from exc


def _error_code(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or f"http_{exc.response.status_code}")


def _retry_after(headers: Mapping[str, Any] | None) -> float:
    """Seconds Slack asked us to wait; aiohttp hands headers over as a case-insensitive mapping."""
    value = None
    if headers is not None:
        value = next((v for k, v in headers.items() if str(k).lower() == "retry-after"), None)
    try:
        return max(1.0, float(value)) if value is not None else 30.0
    except (TypeError, ValueError):
        return 30.0


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


@dataclass
class Outbox:
    """Claims due notices in the database and posts them."""

    factory: async_sessionmaker[AsyncSession]
    poster: NoticePoster
    max_attempts: int = 8
    batch_size: int = 50
    lease: timedelta = timedelta(minutes=5)
    base_backoff: timedelta = timedelta(seconds=10)
    max_backoff: timedelta = timedelta(hours=1)
    clock: Callable[[], datetime] = utcnow
    jitter: Callable[[], float] = random.random

    async def deliver_due(self) -> DeliveryReport:
        """Post every notice due now that no other worker holds; return what happened."""
        report = DeliveryReport()
        for notice in await self.claim_due():
            await self._deliver(notice, report)
        return report

    async def claim_due(self) -> list[Notice]:
        """Take a lease on due notices; safe with several workers on PostgreSQL."""
        now = self.clock()
        due = or_(
            and_(col(Notice.status) == NoticeStatus.PENDING, col(Notice.next_attempt_at) <= now),
            and_(col(Notice.status) == NoticeStatus.SENDING, col(Notice.lease_until) < now),
        )
        async with self.factory() as session, session.begin():
            query = select(Notice).where(due).order_by(col(Notice.id)).limit(self.batch_size)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            candidates = (await session.execute(query)).scalars().all()
            claimed: list[int] = []
            for notice in candidates:
                # Compare-and-set: only one worker's update matches the row.
                # A lease that ran out while SENDING means a worker died mid-post: in doubt.
                result = await session.execute(
                    update(Notice)
                    .where(col(Notice.id) == notice.id, due)
                    .values(
                        status=NoticeStatus.SENDING,
                        lease_until=now + self.lease,
                        first_attempt_at=func.coalesce(
                            col(Notice.first_attempt_at), literal(now, UTCDateTime())
                        ),
                        in_doubt=or_(
                            col(Notice.in_doubt), col(Notice.status) == NoticeStatus.SENDING
                        ),
                    )
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1 and notice.id is not None:  # type: ignore[attr-defined]
                    claimed.append(notice.id)
            if not claimed:
                return []
            fresh = select(Notice).where(col(Notice.id).in_(claimed)).order_by(col(Notice.id))
            rows = await session.execute(fresh.execution_options(populate_existing=True))
            return list(rows.scalars().all())

    async def _deliver(self, notice: Notice, report: DeliveryReport) -> None:
        assert notice.id is not None
        try:
            ts = await self.poster.post(notice)
        except RetryLater as exc:
            await self._reschedule(
                notice, timedelta(seconds=exc.seconds), count=False, reason="ratelimited"
            )
            report.retrying.append(notice.id)
            return
        except PostFailed as exc:
            attempts = notice.attempts + 1
            if exc.permanent or attempts >= self.max_attempts:
                why = (
                    exc.reason
                    if exc.permanent
                    else f"gave up after {attempts} attempts: {exc.reason}"
                )
                await self._finish(notice, NoticeStatus.FAILED, last_error=why, attempts=attempts)
                log.warning("notice %s failed: %s", notice.id, why)
                report.failed.append(notice.id)
            else:
                await self._reschedule(
                    notice,
                    self._backoff(attempts),
                    count=True,
                    reason=exc.reason,
                    in_doubt=exc.in_doubt,
                )
                report.retrying.append(notice.id)
            return
        except Exception:
            log.exception("notice %s: unexpected error while posting", notice.id)
            await self._reschedule(
                notice, self._backoff(notice.attempts + 1), count=True, reason="internal_error"
            )
            report.retrying.append(notice.id)
            return
        await self._finish(notice, NoticeStatus.SENT, slack_ts=ts, attempts=notice.attempts + 1)
        report.sent.append(notice.id)

    def _backoff(self, attempts: int) -> timedelta:
        step = self.base_backoff * (2 ** (attempts - 1))
        capped: timedelta = min(step, self.max_backoff)
        return capped * (0.5 + self.jitter() / 2)

    async def _reschedule(
        self, notice: Notice, delay: timedelta, *, count: bool, reason: str, in_doubt: bool = False
    ) -> None:
        values: dict[str, object] = {
            "status": NoticeStatus.PENDING,
            "attempts": notice.attempts + (1 if count else 0),
            "next_attempt_at": self.clock() + delay,
            "lease_until": None,
            "last_error": reason[:500],
        }
        if in_doubt:
            values["in_doubt"] = True
        async with self.factory() as session, session.begin():
            await session.execute(
                update(Notice)
                .where(col(Notice.id) == notice.id, col(Notice.status) == NoticeStatus.SENDING)
                .values(**values)
            )

    async def _finish(
        self,
        notice: Notice,
        status: NoticeStatus,
        *,
        attempts: int,
        slack_ts: str | None = None,
        last_error: str | None = None,
    ) -> None:
        values: dict[str, object] = {"status": status, "attempts": attempts, "lease_until": None}
        if status == NoticeStatus.SENT:
            values.update(sent_at=self.clock(), slack_ts=slack_ts)
        if last_error is not None:
            values["last_error"] = last_error[:500]
        async with self.factory() as session, session.begin():
            await session.execute(
                update(Notice)
                .where(col(Notice.id) == notice.id, col(Notice.status) == NoticeStatus.SENDING)
                .values(**values)
            )
