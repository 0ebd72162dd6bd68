"""A restarted sandbox shows each person the same conversations, private replies and files, and
keeps nothing a person typed into a modal; its GoTo sandbox goes on where it stopped."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlmodel import select

from db.migrate import sync_url
from domain.models import Location
from domain.types import utcnow
from sandbox.console.fields import Fields
from sandbox.console.store import TABLE
from sandbox.console.workspace import GENERAL, TRAINING
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_BOT_TOKEN
from sandbox.slack.web_api import RESPONSE_URL
from tests.sandbox_console.conftest import Sandbox, serve_sandbox
from tests.sandbox_console.test_console_files import shared_file
from tests.sandbox_console.test_console_goto_panel import (
    LEA,
    build_world,
    played_form,
    shown_on,
    webinar,
)
from tests.sandbox_console.test_console_http import send

TYPED_SECRET = "typed-consumer-secret-5511"
HELP = "viltbot commands you can use:"
NOTICE = (
    "This channel (#training) now receives viltbot reports and warnings "
    "for team Sales, created by @Ada Admin."
)


@contextlib.asynccontextmanager
async def browsing(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url, follow_redirects=True, timeout=10) as c:
        yield c


async def page_of(http: httpx.AsyncClient, user: str, place: str = GENERAL) -> str:
    """The console as `user` sees it in `place` (a channel, "dm" or "home")."""
    response = await http.get("/sandbox", params={"user": user, "channel": place})
    assert response.status_code == 200
    return response.text


async def wait_for_text(
    http: httpx.AsyncClient, user: str, wanted: str, place: str = GENERAL
) -> str:
    deadline = time.monotonic() + 10
    page = shown_on(await page_of(http, user, place))
    while wanted not in page:
        assert time.monotonic() < deadline, f"never shown to {user} in {place}: {wanted}"
        await asyncio.sleep(0.3)
        page = shown_on(await page_of(http, user, place))
    return page


def block_named(modal: dict[str, Any], block_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    block = next(b for b in modal["blocks"] if b.get("block_id") == block_id)
    return block, block["element"]


async def type_secret_into_location_modal(sandbox: Sandbox, http: httpx.AsyncClient) -> None:
    """`/vilt location new`, pick GoToWebinar, type a consumer secret and submit without a name:
    Slack's client refuses the empty required field, so the secret stays a draft in the modal."""
    await send(http, SANDBOX_ADMIN, "location new")
    modal = sandbox.console.open_modal(SANDBOX_ADMIN)
    assert modal is not None
    kind_block, kind = block_named(modal, "kind")
    kind_name = Fields.name(kind_block, kind)
    webinar = next(o["value"] for o in kind["options"] if o["value"] == "gotowebinar")
    picked = await http.post(
        "/sandbox/action",
        data={
            "user": SANDBOX_ADMIN,
            "channel": GENERAL,
            "ref": f"v:{modal['id']}",
            "dispatch": kind_name,
            "view_hash": modal["hash"],
            "present": kind_name,
            kind_name: webinar,
        },
    )
    assert picked.status_code == 200
    modal = sandbox.console.open_modal(SANDBOX_ADMIN)
    assert modal is not None
    secret_block, secret = block_named(modal, "consumer_secret")
    secret_name = Fields.name(secret_block, secret)
    name_block, name = block_named(modal, "name")
    submitted = await http.post(
        "/sandbox/view/submit",
        data={
            "user": SANDBOX_ADMIN,
            "channel": GENERAL,
            "view_id": modal["id"],
            "view_hash": modal["hash"],
            "present": [secret_name, Fields.name(name_block, name)],
            secret_name: TYPED_SECRET,
        },
    )
    assert submitted.status_code == 200
    # The draft is on the page: the modal is open with the secret typed in.
    assert TYPED_SECRET in submitted.text
    assert "Please complete this required field." in submitted.text


def stored_rows(database_url: str) -> list[str]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(text(f"SELECT body FROM {TABLE}"))]
    finally:
        engine.dispose()


def file_link(page: str, title: str) -> str:
    (link,) = re.findall(r'<a href="([^"]+)" download="[^"]*">' + re.escape(title), page)
    return str(link)


async def test_a_restarted_sandbox_shows_each_person_what_they_saw(database_url: str) -> None:
    async with serve_sandbox(database_url) as first, browsing(first) as http:
        assert HELP in shown_on(await send(http, SANDBOX_ADMIN, "help"))
        # Team Sales reporting to #training, people, a linked location and session #1.
        world = await build_world(first, http)
        await wait_for_text(http, SANDBOX_ADMIN, NOTICE, TRAINING)
        # The roster CSV lands in Ada's DM with the bot, as a file.
        await send(http, SANDBOX_ADMIN, f"report {world.session_id} csv")
        upload = await shared_file(first)
        title = f"Roster of Negotiation (session #{world.session_id})"
        before = await wait_for_text(http, SANDBOX_ADMIN, f"📎 {title}", "dm")
        assert "direct message history with viltbot" in before
        await type_secret_into_location_modal(first, http)
        url_secrets = [
            c.path.rsplit("/", 1)[-1] for c in first.console.standin.calls_to(RESPONSE_URL)
        ]
        assert url_secrets
        ada_private = [i.text for i in first.console.feed.ephemerals(SANDBOX_ADMIN)]
        lea_private = [i.text for i in first.console.feed.ephemerals(LEA)]

    rows = stored_rows(database_url)
    assert len(rows) == 1 and HELP in rows[0] and title in rows[0]
    assert TYPED_SECRET not in rows[0]
    # The GoTo sandbox's consumer secrets and tokens are kept encrypted.
    assert "demo-webinar-secret" not in rows[0]
    # Neither a response_url's secret nor the bot's token is kept.
    assert not [secret for secret in url_secrets if secret in rows[0]]
    assert SANDBOX_BOT_TOKEN not in rows[0]

    async with serve_sandbox(database_url) as second, browsing(second) as http:
        page = await page_of(http, SANDBOX_ADMIN)
        shown = shown_on(page)
        # Ada's private replies in #general, #training's notice and her DM with the roster.
        assert HELP in shown and "Only visible to you" in shown
        assert "Team Sales created; reports go to #training" in shown
        assert NOTICE in shown_on(await page_of(http, SANDBOX_ADMIN, TRAINING))
        dm = await page_of(http, SANDBOX_ADMIN, "dm")
        assert f"📎 {title}" in shown_on(dm)
        assert [i.text for i in second.console.feed.ephemerals(SANDBOX_ADMIN)] == ada_private
        # The file still opens, with the same content.
        opened = await http.get(file_link(dm, title))
        assert opened.status_code == 200 and opened.content == upload.content
        # The modal she left open is still open; what she typed into it is gone.
        assert '<h2 id="modal-title">New location</h2>' in page
        assert TYPED_SECRET not in page

        # Lea sees the channels, not Ada's private replies, DM or file.
        lea = shown_on(await page_of(http, LEA))
        assert NOTICE in shown_on(await page_of(http, LEA, TRAINING))
        assert HELP not in lea and "Team Sales created" not in lea
        assert title not in shown_on(await page_of(http, LEA, "dm"))
        assert [i.text for i in second.console.feed.ephemerals(LEA)] == lea_private
        refused = await http.get(f"/sandbox/files/{upload.id}", params={"user": LEA})
        assert refused.status_code == 404

        # The restarted sandbox goes on: Lea asks for help and only she sees the answer.
        assert HELP in shown_on(await send(http, LEA, "help"))
        ada_again = shown_on(await page_of(http, SANDBOX_ADMIN))
        assert ada_again.count(HELP) == shown.count(HELP)

    # Saved again on the second close: both answers to `help` are there for a third start.
    (row,) = stored_rows(database_url)
    assert row.count(HELP) >= 2 and TYPED_SECRET not in row


async def linked_location(sandbox: Sandbox) -> Location:
    async with sandbox.runtime.factory() as db:
        (location,) = (await db.execute(select(Location))).scalars().all()
    return location


async def test_a_restarted_sandbox_keeps_gotos_time_sessions_and_connection(
    database_url: str,
) -> None:
    async with serve_sandbox(database_url) as first, browsing(first) as http:
        world = await build_world(first, http)
        moved = await http.post(
            "/sandbox/goto/clock", data={"user": SANDBOX_ADMIN, "advance": "172800"}
        )
        assert "Moved time +2 days" in shown_on(moved.text)
        played = await http.post(
            "/sandbox/goto/play",
            data=played_form(world, lea={"polls": (1, 2, 3)}, leo={"minutes": 45, "polls": (1,)}),
        )
        assert "2 of 3 registrants attended" in shown_on(played.text)
        registrants = {k: (r.email, r.status) for k, r in webinar(first).registrants.items()}
        (session,) = webinar(first).sessions
        attended = {
            k: (a.seconds(session.end or session.start), a.poll_answers)
            for k, a in session.attendance.items()
        }
        location = await linked_location(first)
        assert location.connection_error is None
        moved_to = first.runtime.clock()
        assert moved_to - utcnow() > timedelta(days=2) - timedelta(minutes=1)

    async with serve_sandbox(database_url) as second, browsing(second) as http:
        # Time is still two days ahead, for GoTo and the bot alike.
        assert abs(second.runtime.clock() - moved_to) < timedelta(minutes=1)
        async with httpx.AsyncClient(base_url=second.url) as goto:
            now = (await goto.get("/goto-sandbox/_sandbox/clock")).json()["now"]
        assert now.startswith(moved_to.strftime("%Y-%m-%dT%H"))
        # The webinar keeps its registrants and the session played on it.
        assert {k: (r.email, r.status) for k, r in webinar(second).registrants.items()} == (
            registrants
        )
        (kept,) = webinar(second).sessions
        assert (kept.session_key, kept.start, kept.end) == (
            session.session_key,
            session.start,
            session.end,
        )
        assert {
            k: (a.seconds(kept.end or kept.start), a.poll_answers)
            for k, a in kept.attendance.items()
        } == attended
        again = await http.post("/sandbox/goto/play", data=played_form(world, lea={}, leo={}))
        assert f"Session #{world.session_id} was already played" in shown_on(again.text)
        # The bot's stored refresh token still works: the connection stays connected.
        assert await second.runtime.refresh_location_now(location.id or 0) == "refreshed"
        refreshed = await linked_location(second)
        assert refreshed.connection_error is None and refreshed.connection_failed_at is None
        assert refreshed.refresh_token_enc != location.refresh_token_enc


async def test_an_unchanged_story_is_not_written_again(sandbox: Sandbox) -> None:
    """The GoTo part is encrypted afresh each time; what is compared is the story itself."""
    store = sandbox.console.store
    assert store.goto is not None
    await store.save()
    assert await store.save() is False
    sandbox.console.goto.clock.advance(3600)
    assert await store.save() is True
