"""Notices reach Slack exactly once, through 429s, 500s, errors and competing workers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.slack.clients import SlackClients
from bot.slack.notice_history import NOTICE_EVENT_TYPE
from bot.slack.outbox import Outbox, WebApiPoster
from db.uow import SqlUnitOfWork
from domain.models import Notice, NoticeStatus
from domain.services.identity import ensure_workspace
from domain.services.notices import enqueue_notice
from domain.types import utcnow
from tests.e2e.conftest import ANN, ARCHIVED, TOKEN, TRAINING, WS, Stack
from tests.support.databases import configured_url


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        # A moment ahead of the wall clock, so notices enqueued now are due.
        self.now = utcnow() + timedelta(seconds=1)

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def enqueue(stack: Stack, key: str, channel: str = TRAINING, text: str = "hello") -> None:
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        await ensure_workspace(uow, WS)
        await enqueue_notice(
            uow, workspace_id=WS, kind="test", channel=channel, text=text, dedupe_key=key
        )
        await uow.commit()


def outbox_for(stack: Stack, clock: Clock, **kwargs) -> Outbox:
    base = stack.runtime.outbox
    return Outbox(
        factory=base.factory, poster=base.poster, clock=clock, jitter=lambda: 1.0, **kwargs
    )


async def test_same_dedupe_key_is_posted_once(stack: Stack) -> None:
    await enqueue(stack, "report:42", text="Completion report")
    await enqueue(stack, "report:42", text="Completion report")
    assert await stack.count(Notice) == 1
    await stack.runtime.outbox.deliver_due()
    await stack.runtime.outbox.deliver_due()
    assert [c.args["text"] for c in stack.standin.calls_to("chat.postMessage")] == [
        "Completion report"
    ]


async def test_429_is_honoured_and_500_retried_then_posted_exactly_once(stack: Stack) -> None:
    clock = Clock()
    outbox = outbox_for(stack, clock)
    await enqueue(stack, "warn:1")
    stack.standin.inject("chat.postMessage", status=429, retry_after=7)
    stack.standin.inject("chat.postMessage", status=500)

    first = await outbox.deliver_due()
    assert first.retrying and not first.sent
    (notice,) = await stack.rows(Notice)
    assert notice.status == NoticeStatus.PENDING and notice.attempts == 0  # 429 is not a failure
    assert notice.next_attempt_at == clock.now + timedelta(seconds=7)  # Retry-After honoured

    clock.advance(6)
    assert (await outbox.deliver_due()).retrying == []  # not due yet: nothing sent early
    clock.advance(1)
    second = await outbox.deliver_due()
    assert second.retrying and not second.sent  # the 500
    (notice,) = await stack.rows(Notice)
    assert notice.attempts == 1 and notice.last_error == "internal_error"

    clock.advance(30)
    third = await outbox.deliver_due()
    assert len(third.sent) == 1
    clock.advance(3600)
    assert (await outbox.deliver_due()).sent == []
    delivered = [c for c in stack.standin.calls_to("chat.postMessage") if c.ok]
    assert len(delivered) == 1
    (notice,) = await stack.rows(Notice)
    assert notice.status == NoticeStatus.SENT and notice.slack_ts == delivered[0].response["ts"]


async def test_permanent_errors_fail_at_once_and_transient_ones_give_up_when_bounded(
    stack: Stack,
) -> None:
    clock = Clock()
    outbox = outbox_for(stack, clock, max_attempts=3)
    await enqueue(stack, "archived", channel=ARCHIVED)
    await enqueue(stack, "flaky")
    stack.standin.inject("chat.postMessage", error="internal_error", times=None)
    for _ in range(5):
        await outbox.deliver_due()
        clock.advance(3600)
    notices = {n.dedupe_key: n for n in await stack.rows(Notice)}
    # The fault answers every call, so the archived channel fails on the injected error too:
    # what matters is that both end FAILED with the reason recorded, after at most 3 attempts.
    assert notices["flaky"].status == NoticeStatus.FAILED
    assert notices["flaky"].attempts == 3
    assert notices["flaky"].last_error == "gave up after 3 attempts: internal_error"
    stack.standin.clear_faults()
    await enqueue(stack, "archived-for-real", channel=ARCHIVED)
    await outbox.deliver_due()
    notices = {n.dedupe_key: n for n in await stack.rows(Notice)}
    assert notices["archived-for-real"].status == NoticeStatus.FAILED
    assert notices["archived-for-real"].attempts == 1
    assert notices["archived-for-real"].last_error == "is_archived"


async def test_a_crashed_worker_lease_expires_and_another_delivers(stack: Stack) -> None:
    clock = Clock()
    outbox = outbox_for(stack, clock)
    await enqueue(stack, "lease")
    claimed = await outbox.claim_due()  # a worker claims it, then dies before posting
    assert len(claimed) == 1
    assert (await outbox.deliver_due()).sent == []  # still leased
    clock.advance(outbox.lease.total_seconds() + 1)
    assert len((await outbox.deliver_due()).sent) == 1
    assert len(stack.standin.calls_to("chat.postMessage")) == 1
    # Its lease ran out in flight, so the history was read first: nothing there, so it posted.
    assert len(stack.standin.calls_to("conversations.history")) == 1


@pytest.mark.skipif(configured_url() is None, reason="competing workers need PostgreSQL")
async def test_two_workers_on_postgresql_deliver_each_notice_once(stack: Stack) -> None:
    from db.engine import create_engine, session_factory

    for i in range(60):
        await enqueue(stack, f"bulk:{i}", text=f"notice {i}")
    # A second worker process: its own engine and connection pool on the same database.
    other_engine = create_engine(stack.runtime.settings.database_url)
    try:
        first = Outbox(
            factory=stack.runtime.factory, poster=stack.runtime.outbox.poster, batch_size=7
        )
        second = Outbox(
            factory=session_factory(other_engine), poster=stack.runtime.outbox.poster, batch_size=7
        )

        async def drain(outbox: Outbox) -> list[int]:
            sent: list[int] = []
            for _ in range(30):
                sent += (await outbox.deliver_due()).sent
            return sent

        a, b = await asyncio.gather(drain(first), drain(second))
    finally:
        await other_engine.dispose()
    assert a and b, "both workers should have taken part"
    assert sorted(a + b) == sorted(set(a + b)) and len(a + b) == 60
    texts = [c.args["text"] for c in stack.standin.calls_to("chat.postMessage")]
    assert sorted(texts) == sorted(f"notice {i}" for i in range(60))


def impatient_outbox(stack: Stack, clock: Clock) -> Outbox:
    """An outbox whose Slack client gives up waiting for an answer after one second."""
    clients = SlackClients(stack.standin.base_url or "", bot_token=TOKEN, timeout=1)
    return Outbox(
        factory=stack.runtime.factory,
        poster=WebApiPoster(clients),
        clock=clock,
        jitter=lambda: 1.0,
    )


def posted(stack: Stack, channel: str = TRAINING) -> list[dict[str, Any]]:
    return [m for m in stack.standin.messages(channel) if m.get("text") == "hello"]


async def test_every_notice_carries_its_id_as_message_metadata(stack: Stack) -> None:
    await enqueue(stack, "tagged")
    await stack.runtime.outbox.deliver_due()
    (notice,) = await stack.rows(Notice)
    (call,) = stack.standin.calls_to("chat.postMessage")
    assert call.args["metadata"] == {
        "event_type": NOTICE_EVENT_TYPE,
        "event_payload": {"notice_id": notice.id},
    }
    # A post whose answer arrived needs no look into the history.
    assert stack.standin.calls_to("conversations.history") == []


async def test_a_post_answered_after_the_timeout_is_not_posted_again(stack: Stack) -> None:
    clock = Clock()
    outbox = impatient_outbox(stack, clock)
    await enqueue(stack, "slow")
    stack.standin.inject("chat.postMessage", answer_delay=2)

    first = await outbox.deliver_due()
    assert first.retrying and not first.sent  # the client timed out; Slack posted anyway
    (notice,) = await stack.rows(Notice)
    assert notice.status == NoticeStatus.PENDING and notice.in_doubt
    assert notice.last_error == "TimeoutError"

    clock.advance(3600)
    second = await outbox.deliver_due()
    assert second.sent == [notice.id]
    (message,) = posted(stack)
    (notice,) = await stack.rows(Notice)
    assert notice.status == NoticeStatus.SENT and notice.slack_ts == message["ts"]
    assert len(stack.standin.calls_to("chat.postMessage")) == 1
    clock.advance(3600)
    assert (await outbox.deliver_due()).sent == []
    assert len(posted(stack)) == 1


async def test_a_post_whose_answer_was_cut_off_is_not_posted_again(stack: Stack) -> None:
    clock = Clock()
    outbox = outbox_for(stack, clock)
    await enqueue(stack, "cut-off")
    stack.standin.inject("chat.postMessage", answer_lost=True)

    first = await outbox.deliver_due()
    assert first.retrying and not first.sent
    (notice,) = await stack.rows(Notice)
    assert notice.in_doubt and notice.status == NoticeStatus.PENDING

    clock.advance(3600)
    assert (await outbox.deliver_due()).sent == [notice.id]
    (message,) = posted(stack)
    (notice,) = await stack.rows(Notice)
    assert notice.status == NoticeStatus.SENT and notice.slack_ts == message["ts"]
    assert len(stack.standin.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("channel", [TRAINING, ANN], ids=["channel", "direct-message"])
async def test_a_worker_killed_after_slack_posted_leaves_exactly_one_message(
    stack: Stack, channel: str
) -> None:
    clock = Clock()
    outbox = outbox_for(stack, clock)
    await enqueue(stack, "killed", channel=channel)
    (claimed,) = await outbox.claim_due()
    # The worker posts, then dies before it can record the answer.
    ts = await outbox.poster.post(claimed)
    clock.advance(outbox.lease.total_seconds() + 1)

    report = await outbox.deliver_due()
    assert report.sent == [claimed.id]
    (notice,) = await stack.rows(Notice)
    assert notice.status == NoticeStatus.SENT and notice.slack_ts == ts
    assert len(stack.standin.calls_to("chat.postMessage")) == 1
    where = stack.standin.calls_to("chat.postMessage")[0].response["channel"]
    assert [m["ts"] for m in stack.standin.messages(where)] == [ts]


@pytest.mark.parametrize(
    ("scopes_dropped", "error"),
    [({"channels:history"}, "missing_scope"), (set(), "not_in_channel")],
)
async def test_a_notice_in_doubt_whose_history_cannot_be_read_fails_for_an_operator(
    stack: Stack, scopes_dropped: set[str], error: str
) -> None:
    clock = Clock()
    outbox = outbox_for(stack, clock)
    await enqueue(stack, "unreadable")
    (claimed,) = await outbox.claim_due()
    await outbox.poster.post(claimed)  # posted; the worker dies
    workspace = stack.standin.workspaces[WS]
    workspace.scopes = tuple(s for s in workspace.scopes if s not in scopes_dropped)
    if error == "not_in_channel":
        stack.standin.channels[(WS, TRAINING)].is_member = False  # posts via chat:write.public
    clock.advance(outbox.lease.total_seconds() + 1)

    report = await outbox.deliver_due()
    assert report.failed == [claimed.id]
    (notice,) = await stack.rows(Notice)
    assert notice.status == NoticeStatus.FAILED
    assert notice.last_error is not None and error in notice.last_error
    assert "check the channel before re-sending" in notice.last_error
    clock.advance(3600)
    await outbox.deliver_due()
    assert len(stack.standin.calls_to("chat.postMessage")) == 1  # no second copy


async def test_a_short_rate_limit_is_waited_out_within_the_same_delivery(stack: Stack) -> None:
    await enqueue(stack, "limited")
    stack.standin.inject("chat.postMessage", status=429, retry_after=1)
    report = await stack.runtime.outbox.deliver_due()
    assert len(report.sent) == 1
    limited, delivered = stack.standin.calls_to("chat.postMessage")
    assert limited.status == 429 and delivered.ok
    assert len(posted(stack)) == 1
