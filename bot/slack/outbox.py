"""Deliver stored notices to Slack exactly once, with back-off and Slack's rate limits."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from bot.slack.clients import SlackClients, WorkspaceNotInstalled
from domain.models import Notice, NoticeStatus
from domain.types import utcnow

log = logging.getLogger(__name__)

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
    """A post failed; `permanent` says whether retrying can help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class NoticePoster(Protocol):
    """Posts one notice and returns the message ts."""

    async def post(self, notice: Notice) -> str: ...


class WebApiPoster:
    """Posts notices with chat.postMessage and classifies Slack's answers."""

    def __init__(self, clients: SlackClients) -> None:
        self._clients = clients

    async def post(self, notice: Notice) -> str:
        """Post the notice; raise RetryLater or PostFailed on failure."""
        try:
            client = await self._clients.for_workspace(notice.workspace_id)
        except WorkspaceNotInstalled as exc:
            raise PostFailed("workspace_not_installed", permanent=True) from exc
        blocks = json.loads(notice.blocks_json) if notice.blocks_json else None
        try:
            answer = await client.chat_postMessage(
                channel=notice.channel, text=notice.text, blocks=blocks, unfurl_links=False
            )
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error") or f"http_{status}")
            if status == 429:
                raise RetryLater(_retry_after(exc.response.headers)) from exc
            raise PostFailed(error, permanent=error in PERMANENT_ERRORS) from exc
        except (TimeoutError, OSError) as exc:
            raise PostFailed(type(exc).__name__, permanent=False) from exc
        except Exception as exc:
            # aiohttp raises its own connection and server errors; all are worth a retry.
            if type(exc).__module__.startswith("aiohttp"):
                raise PostFailed(type(exc).__name__, permanent=False) from exc
            raise
        return str(answer.get("ts", ""))


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
            claimed = []
            for notice in candidates:
                # Compare-and-set: only one worker's update matches the row.
                result = await session.execute(
                    update(Notice)
                    .where(col(Notice.id) == notice.id, due)
                    .values(status=NoticeStatus.SENDING, lease_until=now + self.lease)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(notice)
        return claimed

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
                    notice, self._backoff(attempts), count=True, reason=exc.reason
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
        self, notice: Notice, delay: timedelta, *, count: bool, reason: str
    ) -> None:
        async with self.factory() as session, session.begin():
            await session.execute(
                update(Notice)
                .where(col(Notice.id) == notice.id, col(Notice.status) == NoticeStatus.SENDING)
                .values(
                    status=NoticeStatus.PENDING,
                    attempts=notice.attempts + (1 if count else 0),
                    next_attempt_at=self.clock() + delay,
                    lease_until=None,
                    last_error=reason[:500],
                )
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
