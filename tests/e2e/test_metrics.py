"""GET /metrics as an operator's Prometheus reads it, after real work through the served bot."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text, update
from sqlmodel import col

from bot.bootstrap import build_runtime
from bot.goto.errors import TokenOutcomeUnknown
from bot.server import create_web_app
from db.uow import SqlUnitOfWork
from domain.models import Location, Notice
from domain.services.identity import ensure_workspace
from domain.services.notices import enqueue_notice
from sandbox.serving import serve_in_loop
from tests.e2e.conftest import TRAINING, WS, Stack, stack_settings
from tests.e2e.locations_flow import admin_with_teams, consent, create_goto_location
from tests.e2e.test_database_trouble import closed_port, silent_server

BOBS_WEBINAR = "1234500005"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(exposition: str) -> Samples:
    """Every sample of a scrape, keyed by name and labels, as Prometheus stores them."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(scraped: Samples, name: str, **labels: str) -> float:
    return scraped[(name, frozenset(labels.items()))]


async def scrape(base_url: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.get(f"{base_url}/metrics", headers=headers)


async def link(stack: Stack, teams: dict[str, int], name: str, account: str) -> Location:
    url = await create_goto_location(stack, teams, name=name)
    async with httpx.AsyncClient(timeout=10) as http:
        await consent(http, url, account=account)
    (location,) = [row for row in await stack.rows(Location) if row.name == name]
    assert isinstance(location, Location)
    return location


async def store_notice(stack: Stack, key: str, not_before: datetime | None = None) -> None:
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        await ensure_workspace(uow, WS)
        await enqueue_notice(
            uow,
            workspace_id=WS,
            kind="test",
            channel=TRAINING,
            text=f"notice {key}",
            dedupe_key=key,
            not_before=not_before,
        )
        await uow.commit()


async def fault(stack: Stack, **body: object) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.post(f"{stack.goto_url}/_sandbox/faults", json=body)).is_success


async def run_job(stack: Stack, job_id: str) -> None:
    """One run of a job as the scheduler starts it (timed and counted)."""
    scheduler = stack.runtime.scheduler
    assert scheduler is not None
    job = scheduler.get_job(job_id)
    assert job is not None
    await job.func()


@contextlib.asynccontextmanager
async def table_gone(stack: Stack, table: str) -> AsyncIterator[None]:
    """The table is renamed away while the block runs: whatever reads it fails."""
    async with stack.runtime.engine.begin() as conn:
        await conn.execute(text(f'ALTER TABLE "{table}" RENAME TO {table}_away'))
    try:
        yield
    finally:
        async with stack.runtime.engine.begin() as conn:
            await conn.execute(text(f'ALTER TABLE {table}_away RENAME TO "{table}"'))


async def test_a_scrape_after_real_work_shows_jobs_goto_traffic_notices_and_connections(
    stack: Stack,
) -> None:
    stack.runtime.start_scheduler().pause()  # runs start only when the test says so
    teams = await admin_with_teams(stack)
    bob = await link(stack, teams, "Webinar Room", "bob@example.com")
    alice = await link(stack, teams, "Lapsed Room", "alice@example.com")
    carol = await link(stack, teams, "Failing Room", "carol@example.com")
    await create_goto_location(stack, teams, name="Unlinked Room")
    linking_notices = await stack.count(Notice)
    assert linking_notices > 0

    async with stack.runtime.goto.client_for(bob) as goto:
        await goto.webinar.get_webinar(bob.goto_organizer_key or "", BOBS_WEBINAR)
        await fault(stack, status=429, count=1, path_contains="/webinars/")
        await goto.webinar.get_webinar(bob.goto_organizer_key or "", BOBS_WEBINAR)
    # Carol's access token lapses and GoTo does not answer its refresh: the connection fails.
    stack.goto_clock.advance(61 * 60)
    await fault(stack, status=504, count=1, path_contains="/oauth/token")
    async with stack.runtime.goto.client_for(carol) as goto:
        with pytest.raises(TokenOutcomeUnknown):
            await goto.webinar.get_webinar(carol.goto_organizer_key or "", BOBS_WEBINAR)
    # The outbox job posts the link confirmations and the warning of Carol's failed connection
    # (to her team's channel and to the admin who linked it).
    assert await stack.count(Notice) == linking_notices + 2
    await run_job(stack, "deliver_notices")

    async with table_gone(stack, "session"):
        await run_job(stack, "session_reminders")

    # The bot's clock: 12 days before Bob's connection lapses; Alice's lapsed a day ago.
    assert bob.connection_expires_at is not None
    now = bob.connection_expires_at - timedelta(days=12)
    stack.runtime.clock = lambda: now
    async with stack.runtime.factory() as session:
        await session.execute(
            update(Location)
            .where(col(Location.id) == alice.id)
            .values(connection_expires_at=now - timedelta(days=1))
        )
        await session.commit()
    # Three notices owed: one due 90 s ago, one 60 s ago, one due only tomorrow.
    await store_notice(stack, "late-1", not_before=now - timedelta(seconds=90))
    await store_notice(stack, "late-2", not_before=now - timedelta(seconds=60))
    await store_notice(stack, "tomorrow", not_before=now + timedelta(days=1))

    response = await scrape(stack.base_url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    scraped = samples(response.text)
    expected = {
        ("viltbot_job_runs_total", "deliver_notices"): 1,
        ("viltbot_job_runs_total", "session_reminders"): 1,
        ("viltbot_job_runs_total", "sync_attendance"): 0,
        ("viltbot_job_runs_total", "retry_registrations"): 0,
        ("viltbot_job_failures_total", "deliver_notices"): 0,
        ("viltbot_job_failures_total", "session_reminders"): 1,
        ("viltbot_job_failures_total", "sync_attendance"): 0,
        ("viltbot_job_duration_seconds_count", "deliver_notices"): 1,
        ("viltbot_job_duration_seconds_count", "session_reminders"): 1,
    }
    for (name, job), count in expected.items():
        assert value(scraped, name, job=job) == count, (name, job)
    assert value(scraped, "viltbot_job_duration_seconds_sum", job="deliver_notices") > 0
    # Every answer GoTo sent, by API and status: three links (token grants), Bob's webinar
    # read twice with a 429 in between, Carol's lapsed token turned away and her refresh lost.
    goto_requests = {
        (sample_labels["api"], sample_labels["status"]): sample_value
        for (name, labels), sample_value in scraped.items()
        if name == "viltbot_goto_requests_total"
        for sample_labels in [dict(labels)]
    }
    assert goto_requests == {
        ("oauth", "200"): 3,
        ("webinar", "200"): 2,
        ("webinar", "429"): 1,
        ("webinar", "403"): 1,
        ("oauth", "504"): 1,
    }
    assert value(scraped, "viltbot_goto_rate_limited_total", api="webinar") == 1
    assert value(scraped, "viltbot_goto_retries_total", api="webinar") == 1
    assert value(scraped, "viltbot_goto_retries_total", api="oauth") == 0
    assert value(scraped, "viltbot_goto_unanswered_requests_total", api="webinar") == 0

    assert value(scraped, "viltbot_notices", status="pending") == 3
    assert value(scraped, "viltbot_notices", status="sending") == 0
    assert value(scraped, "viltbot_notices", status="sent") == linking_notices + 2
    assert value(scraped, "viltbot_notices", status="failed") == 0
    assert value(scraped, "viltbot_oldest_pending_notice_age_seconds") == 90

    assert {
        status: value(scraped, "viltbot_goto_connections", status=status)
        for status in ("connected", "expired", "failed", "not_linked")
    } == {"connected": 1, "expired": 1, "failed": 1, "not_linked": 1}
    days_left = {
        dict(labels)["location"]: sample_value
        for (name, labels), sample_value in scraped.items()
        if name == "viltbot_goto_connection_days_left"
    }
    assert days_left == {str(bob.id): 12.0, str(alice.id): 0.0}
    # Labels carry location ids only: no names, emails or secrets.
    for secret in ("Webinar Room", "bob@example.com", "demo-webinar-secret"):
        assert secret not in response.text


@contextlib.asynccontextmanager
async def metrics_at(database_url: str, **extra: str) -> AsyncIterator[str]:
    """A served bot on `database_url` (no Slack or GoTo needed for /metrics); its URL."""
    settings = stack_settings(database_url, "http://127.0.0.1:9/", "http://127.0.0.1:9", **extra)
    runtime = build_runtime(settings)
    async with serve_in_loop(create_web_app(runtime, run_scheduler=False)) as base_url:
        yield base_url


METRICS_TOKEN = "scrape-token-0123456789"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {METRICS_TOKEN}", f"Bearer {METRICS_TOKEN}x", "Bearer"],
)
async def test_with_a_token_set_a_scrape_without_it_is_refused(
    database_url: str, authorization: str | None
) -> None:
    async with metrics_at(database_url, VILTBOT_METRICS_TOKEN=METRICS_TOKEN) as base_url:
        headers = {"Authorization": authorization} if authorization else {}
        response = await scrape(base_url, **headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "viltbot_" not in response.text
    assert METRICS_TOKEN not in response.text


async def test_with_a_token_set_a_scrape_bearing_it_is_answered(database_url: str) -> None:
    async with metrics_at(database_url, VILTBOT_METRICS_TOKEN=METRICS_TOKEN) as base_url:
        response = await scrape(base_url, Authorization=f"Bearer {METRICS_TOKEN}")
    assert response.status_code == 200
    assert value(samples(response.text), "viltbot_notices", status="pending") == 0


async def test_without_a_token_anyone_may_scrape(database_url: str) -> None:
    async with metrics_at(database_url) as base_url:
        response = await scrape(base_url)
    assert response.status_code == 200
    scraped = samples(response.text)
    assert value(scraped, "viltbot_oldest_pending_notice_age_seconds") == 0
    assert value(scraped, "viltbot_goto_connections", status="connected") == 0


@pytest.mark.parametrize("trouble", ["refused", "silent"])
async def test_a_database_that_does_not_answer_makes_the_scrape_a_quick_503(trouble: str) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if trouble == "refused":
            url = f"postgresql://viltbot@127.0.0.1:{closed_port()}/viltbot"
        else:
            port = await stack.enter_async_context(silent_server())
            url = f"postgresql://viltbot@127.0.0.1:{port}/viltbot"
        base_url = await stack.enter_async_context(metrics_at(url))
        started = time.monotonic()
        response = await scrape(base_url)
        elapsed = time.monotonic() - started
    assert elapsed < 3.0
    assert response.status_code == 503
    assert response.text.startswith("database not answering (")
    assert "viltbot_" not in response.text
