"""Linking a location to a GoTo account: the OAuth dance against the GoTo sandbox."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from sqlmodel import update

from bot.goto.oauth import GoToOAuth
from bot.goto.transport import RetryPolicy
from bot.goto_linker import OAuthLinker
from domain.models import LinkRequest, Location, Notice
from domain.types import utcnow
from tests.e2e.conftest import BOSS, TRAINING, Stack
from tests.e2e.locations_flow import (
    admin_with_teams,
    choose_kind,
    consent,
    create_goto_location,
    open_modal,
    webinar_values,
)


@pytest.fixture
async def browser_http(stack: Stack):
    async with httpx.AsyncClient(timeout=10) as http:
        yield http


async def test_allow_links_the_location_updates_slack_and_tells_the_team(
    stack: Stack, browser_http
) -> None:
    teams = await admin_with_teams(stack)
    link_url = await create_goto_location(stack, teams)
    landing = await consent(browser_http, link_url, account="bob@example.com")
    assert landing.status_code == 200
    assert "Location has been linked correctly" in landing.text
    # No promise of a reload that never comes: links back to the Slack app and to Slack's web app.
    assert "reload in Slack" not in landing.text and 'http-equiv="refresh"' not in landing.text
    assert 'href="slack://open?team=T0ACME0001"' in landing.text
    assert 'href="https://app.slack.com/client/T0ACME0001"' in landing.text

    (location,) = await stack.rows(Location)
    assert location.goto_email == "bob@example.com" and location.goto_organizer_key == "1000000002"
    assert location.access_token_enc and location.access_token_enc.startswith("enc:v2:")
    assert location.refresh_token_enc and location.refresh_token_enc.startswith("enc:v2:")
    assert location.connection_expires_at is not None
    days = (location.connection_expires_at - utcnow()).days
    assert days in (29, 30)
    # Stored tokens are the sandbox's real ones, encrypted: they decrypt to a live token.
    token = stack.runtime.box.decrypt(location.access_token_enc)
    me = await browser_http.get(
        f"{stack.goto_url}/identity/v1/Users/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.status_code == 200 and me.json()["userName"] == "bob@example.com"

    # The ephemeral message that carried the button is replaced with the outcome.
    replaced = stack.standin.calls_to("response_url")[-1]
    assert replaced.args["replace_original"] is True
    assert "is linked to the GoToWebinar account bob@example.com" in replaced.args["text"]

    shown = await stack.command("location show Webinar Room")
    assert shown.startswith(
        f"Webinar Room: connected as bob@example.com until {location.connection_expires_at:%Y-%m-%d}"
    )
    assert f"({days} days left)" in shown

    notices = [n for n in await stack.rows(Notice) if n.kind == "location_linked"]
    assert [n.channel for n in notices] == [TRAINING]
    await stack.runtime.outbox.deliver_due()
    posted = [
        c.args["text"]
        for c in stack.standin.calls_to("chat.postMessage")
        if c.args["channel"] == TRAINING
    ]
    assert any("linked location *Webinar Room*" in text for text in posted)
    secrets_sent = json.dumps([c.args for c in stack.standin.calls])
    assert token not in secrets_sent and token not in landing.text


async def test_link_command_gives_a_fresh_single_use_link(stack: Stack, browser_http) -> None:
    teams = await admin_with_teams(stack)
    first = await create_goto_location(stack, teams)
    reply = await stack.command("location link Webinar Room")
    assert "Link *Webinar Room* with your GoToWebinar account" in reply
    blocks = stack.standin.calls_to("response_url")[-1].args["blocks"]
    second = next(e["url"] for b in blocks for e in b.get("elements", []) if e.get("url"))
    assert second != first
    landing = await consent(browser_http, second)
    assert "Location has been linked correctly" in landing.text
    # The ephemeral message carrying the button is replaced through the command's response_url.
    assert stack.standin.calls_to("response_url")[-1].args["replace_original"] is True
    assert "no location called *Nowhere*" in await stack.command("location link Nowhere")


async def test_link_from_the_unsaved_modal_saves_first_after_confirming(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gotowebinar")
    button = next(
        e
        for b in view["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "link_from_modal"
    )
    assert "Linking requires your location to be saved" in button["confirm"]["text"]["text"]
    before = len(stack.standin.calls_to("views.update"))
    values = webinar_values([teams["Sales"]], name="Fresh Room")
    await stack.slack.block_action(
        "link_from_modal", user_id=BOSS, team_id="T0ACME0001", view=view, state_values=values
    )
    calls = await stack.standin.wait_for("views.update", count=before + 1)
    updated = stack.standin.view(calls[before].args["view_id"])
    text = json.dumps(updated)
    assert "was saved with the current settings" in text and "/goto/oauth/start?state=" in text
    (location,) = await stack.rows(Location)
    assert location.name == "Fresh Room"

    # With a wrong field, linking saves nothing and says what to fix.
    view = await choose_kind(stack, await open_modal(stack), "gotowebinar")
    before = len(stack.standin.calls_to("views.update"))
    bad = webinar_values([teams["Sales"]], name="Other Room", max_learners="lots")
    await stack.slack.block_action(
        "link_from_modal", user_id=BOSS, team_id="T0ACME0001", view=view, state_values=bad
    )
    calls = await stack.standin.wait_for("views.update", count=before + 1)
    assert "Fix these before linking" in json.dumps(
        stack.standin.view(calls[before].args["view_id"])
    )
    assert await stack.count(Location) == 1


async def test_consent_denied_changes_nothing(stack: Stack, browser_http) -> None:
    teams = await admin_with_teams(stack)
    landing = await consent(browser_http, await create_goto_location(stack, teams), decision="deny")
    assert landing.status_code == 403 and "Linking cancelled" in landing.text
    (location,) = await stack.rows(Location)
    assert location.goto_organizer_key is None and location.access_token_enc is None


async def test_wrong_consumer_secret_gets_its_own_page(stack: Stack, browser_http) -> None:
    teams = await admin_with_teams(stack)
    link_url = await create_goto_location(stack, teams, consumer_secret="not-the-secret")
    landing = await consent(browser_http, link_url)
    assert landing.status_code == 400 and "did not accept the app" in landing.text
    (location,) = await stack.rows(Location)
    assert location.goto_organizer_key is None
    assert "not-the-secret" not in landing.text


async def test_forged_reused_and_expired_state_each_get_their_page(
    stack: Stack, browser_http
) -> None:
    teams = await admin_with_teams(stack)
    base = stack.base_url
    forged = await browser_http.get(
        f"{base}/goto/oauth/callback", params={"code": "x", "state": "forged"}
    )
    assert forged.status_code == 400 and "This link is not valid" in forged.text
    start_forged = await browser_http.get(f"{base}/goto/oauth/start", params={"state": "forged"})
    assert start_forged.status_code == 400

    link_url = await create_goto_location(stack, teams)
    start = await browser_http.get(link_url)
    page = await browser_http.get(start.headers["location"])
    landing = await consent(browser_http, link_url)
    assert "linked correctly" in landing.text
    replay = await browser_http.get(str(landing.url))
    assert replay.status_code == 410 and "already used" in replay.text
    assert page.status_code == 200

    link2 = (
        await stack.command("location link Webinar Room"),
        stack.standin.calls_to("response_url")[-1],
    )[1]
    url2 = next(
        e["url"] for b in link2.args["blocks"] for e in b.get("elements", []) if e.get("url")
    )
    async with stack.runtime.factory() as session, session.begin():
        await session.execute(
            update(LinkRequest).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = await browser_http.get(url2)
    assert expired.status_code == 410 and "expired" in expired.text


async def test_a_code_used_twice_is_refused(stack: Stack, browser_http) -> None:
    teams = await admin_with_teams(stack)
    landing = await consent(browser_http, await create_goto_location(stack, teams))
    code = httpx.URL(str(landing.url)).params["code"]
    await stack.command("location link Webinar Room")
    blocks = stack.standin.calls_to("response_url")[-1].args["blocks"]
    fresh = next(e["url"] for b in blocks for e in b.get("elements", []) if e.get("url"))
    state = httpx.URL(fresh).params["state"]
    again = await browser_http.get(
        f"{stack.base_url}/goto/oauth/callback", params={"code": code, "state": state}
    )
    assert again.status_code == 400 and "already used or has expired" in again.text
    (location,) = await stack.rows(Location)
    assert location.goto_email is not None  # the first link stands


async def test_an_account_linked_elsewhere_is_refused_naming_the_location(
    stack: Stack, browser_http
) -> None:
    teams = await admin_with_teams(stack)
    await consent(
        browser_http, await create_goto_location(stack, teams), account="alice@example.com"
    )
    second = await create_goto_location(stack, teams, name="Second Room")
    landing = await consent(browser_http, second, account="alice@example.com")
    assert (
        landing.status_code == 409
        and "already linked to location <strong>Webinar Room</strong>" in landing.text
    )
    rooms = {loc.name: loc for loc in await stack.rows(Location)}
    assert rooms["Second Room"].goto_organizer_key is None


async def test_goto_unreachable_changes_nothing(stack: Stack, browser_http) -> None:
    teams = await admin_with_teams(stack)
    link_url = await create_goto_location(stack, teams)
    start = await browser_http.get(link_url)
    page = await browser_http.get(start.headers["location"])
    assert page.status_code == 200

    async def no_wait(_: float) -> None:
        return None

    # GoTo's token host goes away between consent and callback.
    stack.runtime.deps.goto_linker = OAuthLinker(
        GoToOAuth(auth_url="http://127.0.0.1:9", retry=RetryPolicy(max_attempts=2), sleep=no_wait)
    )
    state = httpx.URL(link_url).params["state"]
    landing = await browser_http.get(
        f"{stack.base_url}/goto/oauth/callback", params={"code": "abc", "state": state}
    )
    assert landing.status_code == 502 and "could not be reached" in landing.text
    assert (
        "Start a new link from Slack with <code>/vilt location link Webinar Room</code>"
        in landing.text
    )
    (location,) = await stack.rows(Location)
    assert location.goto_organizer_key is None and location.access_token_enc is None
    # GoTo may have taken the code: the link is used up, and a fresh one is needed.
    (request,) = await stack.rows(LinkRequest)
    assert request.used_at is not None
