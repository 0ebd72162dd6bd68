"""The database locked, refusing or silent: every request still gets the truth within Slack's 3 s.

The locks are real: another connection holds SQLite's write lock (`BEGIN IMMEDIATE`) or, on
PostgreSQL, `LOCK TABLE location IN ACCESS EXCLUSIVE MODE`. The unreachable servers are real
sockets: a closed port, and a listener that accepts connections and never says a word.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import psycopg
import pytest

from bot.bootstrap import build_runtime
from bot.server import create_web_app
from db.engine import sqlite_file
from db.migrate import sync_url
from domain.models import Location, Team
from sandbox.serving import serve_in_loop
from sandbox.slack.web_api import SlackStandIn, run_standin_server
from tests.e2e.conftest import (
    BOSS,
    SIGNING_SECRET,
    TRAINING,
    WEB_API_SPEC,
    WS,
    Stack,
    seed_slack,
)
from tests.e2e.locations_flow import admin_with_teams, choose_kind, open_modal, submit
from tests.e2e.locations_flow import webinar_values as form_values
from tests.harness.slack_client import SlackSender

NOT_ANSWERING = "viltbot's database is not answering; nothing was saved, try again in a minute"
SLACK_ACK_SECONDS = 3.0


@contextlib.contextmanager
def write_lock_held(database_url: str, table: str = "location") -> Iterator[None]:
    """Another connection holds the write lock (on PostgreSQL: on `table`) until the block ends."""
    path = sqlite_file(database_url)
    if path is not None:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    conninfo = sync_url(database_url).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as pg_holder:
        pg_holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            pg_holder.rollback()


async def test_a_form_submitted_while_another_writer_holds_the_lock_says_nothing_was_saved(
    stack: Stack, database_url: str
) -> None:
    teams = await admin_with_teams(stack)
    view = await open_modal(stack)
    view = await choose_kind(stack, view, "classroom")
    values = form_values([teams["Sales"]], kind="classroom", name="Locked Room")
    replies_before = len(stack.standin.calls_to("response_url"))
    dms_before = len(stack.standin.calls_to("chat.postMessage"))

    with write_lock_held(database_url):
        started = time.monotonic()
        ack = await submit(stack, view, values)
        elapsed = time.monotonic() - started

    assert elapsed < SLACK_ACK_SECONDS
    assert ack["response_action"] == "errors"
    assert NOT_ANSWERING in " ".join(ack["errors"].values())
    # The truth: nothing was saved, and no "Location created" follows once the lock is gone.
    await asyncio.sleep(1.0)
    assert await stack.count(Location) == 0
    later = [
        *stack.standin.calls_to("response_url")[replies_before:],
        *stack.standin.calls_to("chat.postMessage")[dms_before:],
    ]
    assert not any("created" in str(call.args.get("text", "")) for call in later)

    # Once the lock is gone, the same submission saves and says so.
    assert await submit(stack, view, values) == {}
    assert [row.name for row in await stack.rows(Location)] == ["Locked Room"]


async def test_a_command_that_cannot_write_says_nothing_was_saved_in_time(
    stack: Stack, database_url: str
) -> None:
    await admin_with_teams(stack)
    replies_before = len(stack.standin.calls_to("response_url"))
    with write_lock_held(database_url, "team"):
        started = time.monotonic()
        response = await stack.slack.slash(
            f"team new Locked <#{TRAINING}|training>", user_id=BOSS, team_id=WS
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        if response.content:
            # Refused before the command ran (the lock also stops reading who is asking).
            told = str(response.json()["text"])
        else:
            calls = await stack.standin.wait_for("response_url", count=replies_before + 1)
            told = str(calls[replies_before].args["text"])
    assert elapsed < SLACK_ACK_SECONDS
    assert told.startswith(f":warning: {NOT_ANSWERING} (ref ")
    assert sorted(team.name for team in await stack.rows(Team)) == ["Sales", "Support"]


async def test_a_listener_that_fails_after_its_ack_still_answers_the_user(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    await admin_with_teams(stack)
    view = await open_modal(stack)
    dms_before = len(stack.standin.calls_to("chat.postMessage"))
    stack.standin.inject("views.update", error="internal_error")

    with caplog.at_level(logging.INFO, logger="bot.failures"):
        response = await stack.slack.block_action(
            "kind_selected",
            user_id=BOSS,
            team_id=WS,
            view=view,
            value="classroom",
            state_values={"kind": "classroom"},
        )
        assert response.status_code == 200
        calls = await stack.standin.wait_for("chat.postMessage", count=dms_before + 1)

    told = calls[dms_before].args
    assert told["channel"] == BOSS
    text = str(told["text"])
    assert text.startswith(":boom: Sorry, something went wrong (ref `")
    ref = text.split("`")[1]
    logged = [r for r in caplog.records if r.name == "bot.failures"]
    assert [r.getMessage() for r in logged] == [f"request {ref} failed: SlackApiError"]


# --- a PostgreSQL that refuses connections or never answers ------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens here once the probe is closed


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """Accepts TCP connections and never answers (a hung database host)."""
    held: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        with contextlib.suppress(ConnectionError):
            await reader.read()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        for writer in held:
            writer.close()
        server.close()


@contextlib.asynccontextmanager
async def bot_on(database_url: str) -> AsyncIterator[tuple[SlackStandIn, SlackSender, str]]:
    """A bot whose database is at `database_url`, with the Slack stand-in as its Slack."""
    from tests.e2e.conftest import stack_settings

    standin = SlackStandIn(WEB_API_SPEC)
    seed_slack(standin)
    async with run_standin_server(standin) as slack_url:
        settings = stack_settings(database_url, slack_url, "http://127.0.0.1:9")
        runtime = build_runtime(settings)
        app = create_web_app(runtime, run_scheduler=False)
        async with (
            serve_in_loop(app) as base_url,
            SlackSender(base_url, SIGNING_SECRET, standin=standin) as sender,
        ):
            yield standin, sender, base_url
    assert standin.violations == [], standin.violations


@pytest.mark.parametrize("trouble", ["refused", "silent"])
async def test_commands_answer_in_time_when_postgresql_is_unreachable(trouble: str) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if trouble == "refused":
            url = f"postgresql://viltbot@127.0.0.1:{closed_port()}/viltbot"
        else:
            port = await stack.enter_async_context(silent_server())
            url = f"postgresql://viltbot@127.0.0.1:{port}/viltbot"
        _, sender, _ = await stack.enter_async_context(bot_on(url))
        for text in ("help", "team new Sales #training"):
            started = time.monotonic()
            response = await sender.slash(text, user_id=BOSS, team_id=WS)
            assert time.monotonic() - started < SLACK_ACK_SECONDS
            assert response.status_code == 200
            answer: dict[str, Any] = response.json()
            assert answer["response_type"] == "ephemeral"
            assert answer["text"].startswith(f":warning: {NOT_ANSWERING} (ref ")


@pytest.mark.parametrize("trouble", ["refused", "silent"])
async def test_healthz_reports_an_unreachable_database_within_two_seconds(trouble: str) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if trouble == "refused":
            url = f"postgresql://viltbot@127.0.0.1:{closed_port()}/viltbot"
        else:
            port = await stack.enter_async_context(silent_server())
            url = f"postgresql://viltbot@127.0.0.1:{port}/viltbot"
        _, _, base_url = await stack.enter_async_context(bot_on(url))
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            started = time.monotonic()
            health = await http.get("/healthz")
            assert time.monotonic() - started < 2.0
        assert health.status_code == 503
        assert health.json()["ok"] is False
        assert health.json()["database"].startswith("unreachable")


async def test_a_saved_location_whose_link_cannot_be_prepared_is_not_called_unsaved(
    stack: Stack, database_url: str
) -> None:
    """The save commits; only the link request waits on a lock: the admin hears both truths."""
    if sqlite_file(database_url) is not None:
        pytest.skip("SQLite locks the whole file: the save itself would wait (test above)")
    teams = await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gotowebinar")
    values = form_values([teams["Sales"]], name="Half Room")
    replies_before = len(stack.standin.calls_to("response_url"))

    with write_lock_held(database_url, table="linkrequest"):
        assert await submit(stack, view, values) == {}
        calls = await stack.standin.wait_for("response_url", count=replies_before + 1)

    text = str(calls[replies_before].args["text"])
    assert text.startswith(":white_check_mark: Location *Half Room* created.")
    assert "nothing was saved" not in text
    assert "Link it in a minute with `/vilt location link Half Room`" in text
    assert [row.name for row in await stack.rows(Location)] == ["Half Room"]
