"""A GoTo connection's life over the whole stack, the clock moved instead of waited for: tokens
refreshed ahead of expiry, warnings posted once each, a lapse or a revoked connection pausing
sync, re-linking (the same account renews, another one is refused unless confirmed), sync
resuming by itself."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bot.bootstrap import Runtime, build_runtime
from domain.models import EnrollmentStatus, Location, Session, TrackingRule
from sandbox.goto.scenario import AttendeeSpec
from tests.e2e.conftest import ANN, BEN, BOSS, CLAIRE, TRAINING, WS, Stack
from tests.e2e.locations_flow import admin_with_teams, consent, link_url_in
from tests.e2e.test_completion import Course, course
from tests.e2e.test_home import home_view_of, sections
from tests.e2e.test_registration import PRODUCT_UPDATE, SMALL_WORKSHOP, linked, schedule

RELINK = "relink_location"
ALICE = "alice@example.com"


@pytest.fixture
async def teams(stack: Stack) -> dict[str, int]:
    """BOSS administers Sales (channel #training); Ben and Ann learn, Claire teaches there."""
    found = await admin_with_teams(stack)
    await stack.command(f"team add <@{BEN}> learner")
    await stack.command(f"team add <@{ANN}> learner")
    await stack.command(f"team add <@{CLAIRE}> instructor")
    return found


@pytest.fixture
async def alice(stack: Stack, teams: dict[str, int]) -> Location:
    """Webinar Room, linked to alice's account while the bot reads the sandbox's clock."""
    stack.runtime.clock = stack.goto_clock.now
    return await linked(stack, teams, ALICE, "Webinar Room", max_learners="")


@pytest.fixture
async def second_runtime(stack: Stack) -> AsyncIterator[Runtime]:
    """Another viltbot process on the same database and GoTo sandbox."""
    other = build_runtime(stack.runtime.settings)
    other.clock = stack.goto_clock.now
    yield other
    await other.close()


async def location(stack: Stack, name: str = "Webinar Room") -> Location:
    found: Location = next(r for r in await stack.rows(Location) if r.name == name)
    return found


def token_requests(stack: Stack) -> int:
    return sum(1 for r in stack.goto_state.requests if r["path"] == "/oauth/token")


def posted(stack: Stack, channel: str, about: str) -> list[dict[str, Any]]:
    return [
        c.args
        for c in stack.standin.calls_to("chat.postMessage")
        if c.args.get("channel") == channel and about in str(c.args.get("text"))
    ]


def blocks_of(args: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = args.get("blocks") or []
    return list(json.loads(blocks) if isinstance(blocks, str) else blocks)


async def click_relink(stack: Stack, user: str, message: dict[str, Any]) -> dict[str, Any]:
    """Click the Re-link button of a message; the private answer (ephemeral or DM)."""
    blocks = blocks_of(message)
    button = next(e for b in blocks for e in b.get("elements", []) if e.get("action_id") == RELINK)
    before_eph = len(stack.standin.calls_to("response_url"))
    before_dm = len(stack.standin.calls_to("chat.postMessage"))
    response = await stack.slack.block_action(
        RELINK,
        user_id=user,
        team_id=WS,
        value=button["value"],
        message={"blocks": blocks, "text": message.get("text", "")},
        channel_id=str(message.get("channel") or TRAINING),
    )
    assert response.status_code == 200
    for _ in range(200):
        eph = stack.standin.calls_to("response_url")[before_eph:]
        dms = [
            c
            for c in stack.standin.calls_to("chat.postMessage")[before_dm:]
            if c.args.get("channel") == user
        ]
        if eph or dms:
            return dict((eph or dms)[0].args)
        await asyncio.sleep(0.01)
    raise AssertionError("the Re-link click got no answer")


async def warnings_run(stack: Stack, *runtimes: Runtime) -> int:
    """Run the warnings job on each runtime at once, then deliver; how many were stored."""
    stored = await asyncio.gather(*(r.connection_warnings_now() for r in runtimes))
    await stack.runtime.outbox.deliver_due()
    return sum(stored)


# --- refresh ahead of expiry -------------------------------------------------------------------


async def test_tokens_in_use_are_refreshed_ahead_of_expiry_by_one_process(
    stack: Stack, alice: Location, teams: dict[str, int], second_runtime: Runtime
) -> None:
    await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")  # in use: a session ahead
    idle = await linked(stack, teams, "bob@example.com", "Bob Room", max_learners="")
    box = stack.runtime.box

    # More than 15 minutes left: nothing to do.
    assert (await stack.runtime.refresh_tokens_now()).refreshed == []
    stack.goto_clock.advance(50 * 60)  # GoTo's access tokens live 60 minutes
    before = token_requests(stack)
    one, two = await asyncio.gather(
        stack.runtime.refresh_tokens_now(), second_runtime.refresh_tokens_now()
    )
    # Two processes at once: the location is refreshed by one, its refresh token sent once.
    assert sorted(one.refreshed + two.refreshed) == [alice.id]
    assert token_requests(stack) == before + 1
    after = await location(stack)
    assert after.access_expires_at and alice.access_expires_at
    assert after.access_expires_at > alice.access_expires_at
    assert after.refresh_lease_until is None and after.connection_error is None
    assert box.decrypt(after.refresh_token_enc or "") != box.decrypt(alice.refresh_token_enc or "")
    # Bob Room has no session: its connection is not in use and is left alone.
    assert (await location(stack, "Bob Room")).access_token_enc == idle.access_token_enc

    # GoTo answers a refresh without a new refresh token: the one held stays.
    async with httpx.AsyncClient() as http:
        changed = await http.post(
            f"{stack.goto_url}/_sandbox/settings", json={"rotate_refresh_tokens": False}
        )
        assert changed.is_success
    stack.goto_clock.advance(50 * 60)
    assert (await stack.runtime.refresh_tokens_now()).refreshed == [alice.id]
    kept = await location(stack)
    assert box.decrypt(kept.refresh_token_enc or "") == box.decrypt(after.refresh_token_enc or "")
    assert kept.connection_expires_at == after.connection_expires_at
    assert kept.access_token_enc != after.access_token_enc
    # The kept token still works for the next refresh.
    stack.goto_clock.advance(50 * 60)
    assert (await stack.runtime.refresh_tokens_now()).refreshed == [alice.id]


async def test_a_client_holding_tokens_another_process_rotated_uses_the_stored_ones(
    stack: Stack, alice: Location
) -> None:
    await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")
    stale = await location(stack)
    stack.goto_clock.advance(50 * 60)
    assert (await stack.runtime.refresh_tokens_now()).refreshed == [alice.id]
    stack.goto_clock.advance(15 * 60)  # the stale access token has expired; the new one not
    async with stack.runtime.goto.client_for(stale) as goto:
        webinar = await goto.webinar.get_webinar(stale.goto_organizer_key or "", PRODUCT_UPDATE)
    assert webinar.webinar_key == PRODUCT_UPDATE
    after = await location(stack)
    assert after.connection_error is None and after.connection_failed_at is None


# --- warnings, lapse, re-link --------------------------------------------------------------------


async def test_each_warning_is_posted_once_and_relinking_the_same_account_ends_them(
    stack: Stack, alice: Location, second_runtime: Runtime
) -> None:
    expires = alice.connection_expires_at
    assert expires is not None
    stack.goto_clock.set(expires - timedelta(days=6, hours=12))
    # The job runs twice, from two processes at once, then again: one warning per place.
    assert await warnings_run(stack, stack.runtime, second_runtime, stack.runtime) == 2
    assert await warnings_run(stack, stack.runtime) == 0
    # Six and a half days left read "6 days", as App Home counts them; the date in each
    # reader's time zone.
    (channel,) = posted(stack, TRAINING, "lapses in 6 days, <!date^")
    (dm,) = posted(stack, BOSS, "lapses in 6 days")
    assert "*Webinar Room*" in channel["text"] and ALICE in channel["text"]
    assert "`/vilt location link Webinar Room`" in dm["text"]

    # The job did not run for days: only the latest stage is posted, not the skipped 3-day one.
    stack.goto_clock.set(expires - timedelta(hours=12))
    assert await warnings_run(stack, stack.runtime, second_runtime) == 2
    assert posted(stack, TRAINING, "lapses in 2 days") == []
    assert len(posted(stack, TRAINING, "lapses within a day,")) == 1

    stack.goto_clock.set(expires + timedelta(hours=1))
    assert await warnings_run(stack, stack.runtime, second_runtime) == 2
    assert await warnings_run(stack, stack.runtime) == 0
    (lapsed,) = posted(stack, TRAINING, "lapsed <!date^")
    assert "wait until it is re-linked" in lapsed["text"]
    assert "expired" in await stack.command("location show Webinar Room")

    # A learner clicking Re-link is told who can; the admin gets a fresh single-use link.
    said = await click_relink(stack, BEN, lapsed)
    assert "Only admins of team *Sales*" in str(said.get("text"))
    assert "http" not in json.dumps(blocks_of(said))
    answer = await click_relink(stack, BOSS, lapsed)
    async with httpx.AsyncClient(timeout=10) as http:
        landing = await consent(http, link_url_in(blocks_of(answer)), account=ALICE)
    assert "Location has been linked correctly" in landing.text
    renewed = await location(stack)
    assert renewed.connection_expires_at is not None
    assert renewed.connection_expires_at >= stack.goto_clock.now() + timedelta(days=29)
    assert await warnings_run(stack, stack.runtime) == 0
    shown = await stack.command("location show Webinar Room")
    assert "connected as alice@example.com" in shown and "(29 days left)" in shown


async def test_a_different_account_is_refused_while_sessions_depend_unless_confirmed(
    stack: Stack, alice: Location
) -> None:
    await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")
    await stack.command("location link Webinar Room")
    link = link_url_in(stack.standin.calls_to("response_url")[-1].args["blocks"])
    async with httpx.AsyncClient(timeout=10) as http:
        refused = await consent(http, link, account="bob@example.com")
    assert refused.status_code == 409
    assert "alice@example.com" in refused.text and "1 session depends" in refused.text
    assert "/vilt location link Webinar Room replace" in refused.text
    assert (await location(stack)).goto_email == ALICE

    await stack.command("location link Webinar Room replace")
    answer = stack.standin.calls_to("response_url")[-1].args
    assert "it replaces alice@example.com" in str(answer.get("text"))
    async with httpx.AsyncClient(timeout=10) as http:
        landing = await consent(http, link_url_in(answer["blocks"]), account="bob@example.com")
    assert "Location has been linked correctly" in landing.text
    assert (await location(stack)).goto_email == "bob@example.com"


# --- a revoked connection pauses sync --------------------------------------------------------------


async def test_a_revoked_connection_fails_warns_once_pauses_sync_and_resumes_after_relinking(
    stack: Stack, alice: Location, second_runtime: Runtime
) -> None:
    c: Course = await course(stack, alice, TrackingRule.ATTENDED)
    workshop = await schedule(stack, alice, SMALL_WORKSHOP, "Small Workshop")
    await c.play(
        AttendeeSpec(email="ben@acme.test", minutes=85),
        AttendeeSpec(email="ann@acme.test", minutes=80),
    )
    async with httpx.AsyncClient() as http:
        revoked = await http.post(f"{stack.goto_url}/_sandbox/tokens/revoke", json={"email": ALICE})
        assert revoked.json()["revoked"] >= 1
    await c.at(timedelta(minutes=31))

    # The refresh ahead of expiry is refused: the connection fails with GoTo's reason.
    one, two = await asyncio.gather(
        stack.runtime.refresh_tokens_now(), second_runtime.refresh_tokens_now()
    )
    assert one.failed + two.failed == [alice.id]
    failed = await location(stack)
    assert failed.connection_error is not None and "revoked" in failed.connection_error
    await stack.runtime.outbox.deliver_due()
    assert await warnings_run(stack, stack.runtime, second_runtime) == 0
    (warning,) = posted(stack, TRAINING, "failed:")
    assert "revoked" in warning["text"]
    assert len(posted(stack, BOSS, "failed:")) == 1
    assert "failed: GoTo refused the refresh token" in await stack.command(
        "location show Webinar Room"
    )
    home = await home_view_of(stack, BOSS)
    assert any("failed: GoTo refused the refresh token" in s for s in sections(home))
    assert any(e.get("action_id") == RELINK for b in home["blocks"] for e in b.get("elements", []))

    # Sync waits: no GoTo call, no run counted, the report says why.
    before = len(stack.goto_state.requests)
    assert await c.sync() == []
    assert len(stack.goto_state.requests) == before
    # A registration at the location waits, saying who can cure it and how.
    said = await stack.command(f"register {workshop}", user=BOSS)
    assert "queued" in said and "the GoTo connection of *Webinar Room*" in said
    assert "`/vilt location link Webinar Room`" in said
    await c.at(timedelta(hours=50))  # past the final run's time
    before = len(stack.goto_state.requests)
    assert await c.sync() == []
    assert len(stack.goto_state.requests) == before
    assert (await c.row()).sync_runs == 0
    await stack.command(f"report {c.session_id}")
    report = stack.standin.calls_to("response_url")[-1].args
    assert "sync paused: the GoTo connection of *Webinar Room* failed" in json.dumps(
        blocks_of(report)
    )
    assert await warnings_run(stack, stack.runtime) == 0

    # Re-linked: the final run happens by itself, nothing lost.
    answer = await click_relink(stack, BOSS, warning)
    async with httpx.AsyncClient(timeout=10) as http:
        landing = await consent(http, link_url_in(blocks_of(answer)), account=ALICE)
    assert "Location has been linked correctly" in landing.text
    (final,) = [r for r in await c.sync() if r.session_id == c.session_id]
    assert final.ran and final.final and final.report_queued
    assert await c.statuses() == {
        BEN: EnrollmentStatus.COMPLETE,
        ANN: EnrollmentStatus.COMPLETE,
    }
    row: Session = await c.row()
    assert row.sync_runs == 1 and row.sync_error is None
    assert c.posted(TRAINING, "report for Product Update")


async def test_the_relink_button_on_home_gives_the_owner_teams_admin_a_link_and_others_a_reason(
    stack: Stack, alice: Location
) -> None:
    expires = alice.connection_expires_at
    assert expires is not None
    stack.goto_clock.set(expires - timedelta(days=2))
    home = await home_view_of(stack, BOSS)
    assert any("(1 day left)" in s for s in sections(home))
    button = next(
        e for b in home["blocks"] for e in b.get("elements", []) if e.get("action_id") == RELINK
    )
    before = len(stack.standin.calls_to("chat.postMessage"))
    response = await stack.slack.block_action(
        RELINK, user_id=BOSS, team_id=WS, value=button["value"], view=home
    )
    assert response.status_code == 200
    # Home has no response_url: the link comes as a DM, for this admin only.
    calls = await stack.standin.wait_for("chat.postMessage", count=before + 1)
    dm = calls[before].args
    assert dm["channel"] == BOSS and "Re-link *Webinar Room*" in str(dm["text"])
    assert "/goto/oauth/start?state=" in link_url_in(blocks_of(dm))

    # A button whose location is gone, or whose value was tampered with, explains itself.
    answer = await click_relink(
        stack, BOSS, {"blocks": [{"type": "actions", "elements": [{**button, "value": "999"}]}]}
    )
    assert "http" not in json.dumps(blocks_of(answer))
    assert answer["text"] == ":warning: That location no longer exists."
