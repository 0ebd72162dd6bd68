"""What the admin sees while and after a link completes: other requests are not held up, the
modal and the message that started the link show the outcome, and the pages tell the truth."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from sqlmodel import update

from domain.models import LinkRequest, Location, Notice, Team
from domain.services import linking
from domain.types import utcnow
from tests.e2e.conftest import BOSS, TRAINING, WS, Stack
from tests.e2e.locations_flow import (
    _form,
    admin_with_teams,
    choose_kind,
    consent,
    create_goto_location,
    link_url_in,
    open_modal,
    submit,
    webinar_values,
)


@pytest.fixture
async def browser_http(stack: Stack):
    async with httpx.AsyncClient(timeout=20) as http:
        yield http


async def callback_url(http: httpx.AsyncClient, link_url: str) -> str:
    """Allow on GoTo's consent page; return where GoTo sends the browser back (not yet followed)."""
    start = await http.get(link_url)
    page = await http.get(start.headers["location"])
    form = _form(page.text)
    form["decision"] = "allow"
    action = urljoin(str(page.url), form.pop("_action"))
    answer = await http.post(action, data=form)
    assert answer.status_code in (302, 303), answer.text
    return str(answer.headers["location"])


def modal_text(stack: Stack, view_id: str) -> str:
    view = stack.standin.view(view_id)
    assert view is not None
    return json.dumps(view)


def buttons(view: dict[str, Any]) -> list[str]:
    return [
        e["text"]["text"]
        for b in view["blocks"]
        for e in b.get("elements", [])
        if e.get("type") == "button"
    ]


# --- item: no transaction open while GoTo answers -------------------------------------------


async def test_a_slow_goto_token_endpoint_does_not_hold_up_other_writes(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    back = await callback_url(browser_http, await create_goto_location(stack, teams))
    stack.goto_state.settings.latency_seconds = 4.0  # GoTo's token endpoint takes 4 s
    landing = asyncio.create_task(browser_http.get(back))
    await asyncio.sleep(0.5)  # the callback has claimed its state and is waiting on GoTo
    assert not landing.done()
    started = time.monotonic()
    reply = await stack.command(f"team new Ops <#{TRAINING}|training>")
    elapsed = time.monotonic() - started
    assert "Ops" in reply and "created" in reply.lower(), reply
    assert elapsed < 2.0, f"/vilt team new waited {elapsed:.1f} s behind the GoTo call"
    assert not landing.done()
    page = await landing
    assert page.status_code == 200 and "Location has been linked correctly" in page.text
    assert {t.name for t in await stack.rows(Team)} == {"Sales", "Support", "Ops"}


# --- item: the modal and the message show the outcome ---------------------------------------


async def test_linking_from_the_edit_modal_updates_the_modal_and_replaces_the_message(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    await create_goto_location(stack, teams)  # saved, not linked yet
    view = await open_modal(stack, "location edit Webinar Room")
    assert "*Connection status:* not linked" in json.dumps(view)
    before = len(stack.standin.calls_to("views.update"))
    await stack.slack.block_action(
        "link_from_modal",
        user_id=BOSS,
        team_id=WS,
        view=view,
        state_values=webinar_values([teams["Sales"]], consumer_secret=""),
    )
    calls = await stack.standin.wait_for("views.update", count=before + 1)
    shown = stack.standin.view(calls[before].args["view_id"])
    assert shown is not None
    link_url = link_url_in(shown["blocks"])
    ephemeral = stack.standin.calls_to("response_url")[-1]
    assert "Link with your GoToWebinar account" in json.dumps(ephemeral.args["blocks"])

    before = len(stack.standin.calls_to("views.update"))
    landing = await consent(browser_http, link_url, account="bob@example.com")
    assert "Location has been linked correctly" in landing.text

    # The modal, still open, now shows the connection and offers to re-link.
    calls = await stack.standin.wait_for("views.update", count=before + 1)
    refresh = calls[before]
    assert refresh.ok and refresh.args["view_id"] == view["id"]
    assert refresh.args["hash"] == shown["hash"]  # guarded: not over a modal changed since
    text = modal_text(stack, view["id"])
    assert "*Connection status:* connected as bob@example.com" in text
    assert "not linked" not in text
    refreshed = stack.standin.view(view["id"])
    assert refreshed is not None
    assert buttons(refreshed) == ["Re-link with a GoToWebinar account"]
    # The ephemeral message with the button is replaced through its response_url.
    replaced = stack.standin.calls_to("response_url")[-1]
    assert replaced.path == ephemeral.path and replaced.args["replace_original"] is True
    assert "Link with your" not in json.dumps(replaced.args)
    assert "is linked to the GoToWebinar account bob@example.com" in replaced.args["text"]


async def test_a_modal_changed_since_the_link_started_is_left_as_it_is(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    await create_goto_location(stack, teams)
    view = await open_modal(stack, "location edit Webinar Room")
    before = len(stack.standin.calls_to("views.update"))
    await stack.slack.block_action(
        "link_from_modal",
        user_id=BOSS,
        team_id=WS,
        view=view,
        state_values=webinar_values([teams["Sales"]], consumer_secret=""),
    )
    calls = await stack.standin.wait_for("views.update", count=before + 1)
    shown = stack.standin.view(calls[before].args["view_id"])
    assert shown is not None
    # The admin picks another kind in the modal meanwhile: the modal is now another one.
    changed = await choose_kind(stack, shown, "gototraining")
    landing = await consent(browser_http, link_url_in(shown["blocks"]))
    assert "Location has been linked correctly" in landing.text
    assert stack.standin.view(view["id"]) == changed
    assert stack.standin.violations == []


# --- item: response_urls from the modal's metadata ------------------------------------------


def tampered(stack: Stack, view: dict[str, Any], response_url: str) -> dict[str, Any]:
    """The modal as the client sends it back, its metadata's response_url edited."""
    stored = stack.standin.view(view["id"])
    assert stored is not None
    meta = json.loads(stored["private_metadata"])
    meta["r"] = response_url
    stored["private_metadata"] = json.dumps(meta)
    return stored


async def test_a_tampered_response_url_in_the_modal_metadata_is_posted_nowhere(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    trap = f"{stack.goto_url}/collect"  # a host that records what it is sent
    view = tampered(stack, await choose_kind(stack, await open_modal(stack), "gotowebinar"), trap)
    dms = len(stack.standin.calls_to("chat.postMessage"))
    assert await submit(stack, view, webinar_values([teams["Sales"]])) == {}
    # The link button goes to the admin's DM instead.
    posted = await stack.standin.wait_for("chat.postMessage", count=dms + 1)
    assert posted[dms].args["channel"] == BOSS
    link_url = link_url_in(posted[dms].args["blocks"])
    landing = await consent(browser_http, link_url)
    assert "Location has been linked correctly" in landing.text
    # The DM is updated in place; nothing went to the tampered address.
    assert any(c.args["channel"] for c in stack.standin.calls_to("chat.update"))
    assert [r for r in stack.goto_state.requests if "/collect" in r["path"]] == []
    (request,) = await stack.rows(LinkRequest)
    assert request.response_url is None


async def test_a_stored_response_url_off_slack_is_not_posted_to_after_linking(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    link_url = await create_goto_location(stack, teams)
    async with stack.runtime.factory() as session, session.begin():
        await session.execute(update(LinkRequest).values(response_url=f"{stack.goto_url}/collect"))
    landing = await consent(browser_http, link_url)
    assert "Location has been linked correctly" in landing.text
    assert [r for r in stack.goto_state.requests if "/collect" in r["path"]] == []


# --- item: honest pages and messages --------------------------------------------------------


async def test_used_and_expired_link_pages_name_the_location(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    landing = await consent(browser_http, await create_goto_location(stack, teams))
    replay = await browser_http.get(str(landing.url))
    assert replay.status_code == 410
    assert "<code>/vilt location link Webinar Room</code>" in replay.text
    assert "&lt;name&gt;" not in replay.text

    await stack.command("location link Webinar Room")
    fresh = link_url_in(stack.standin.calls_to("response_url")[-1].args["blocks"])
    async with stack.runtime.factory() as session, session.begin():
        await session.execute(
            update(LinkRequest).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = await browser_http.get(fresh)
    assert expired.status_code == 410
    assert "links last 10 minutes" in expired.text
    assert "<code>/vilt location link Webinar Room</code>" in expired.text
    assert "&lt;name&gt;" not in expired.text


async def test_the_link_message_says_how_long_the_link_lasts(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linking, "LINK_STATE_TTL", timedelta(minutes=30))
    teams = await admin_with_teams(stack)
    await create_goto_location(stack, teams)
    reply = stack.standin.calls_to("response_url")[-1]
    assert "expires in 30 minutes" in json.dumps(reply.args["blocks"])
    (request,) = await stack.rows(LinkRequest)
    assert timedelta(minutes=29) < request.expires_at - utcnow() <= timedelta(minutes=30)


async def test_a_lapsed_connection_says_how_to_link_it_again(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    await consent(browser_http, await create_goto_location(stack, teams))
    async with stack.runtime.factory() as session, session.begin():
        await session.execute(
            update(Location).values(connection_expires_at=utcnow() - timedelta(minutes=1))
        )
    shown = await stack.command("location show Webinar Room")
    assert "expired · link it again with `/vilt location link Webinar Room`" in shown
    view = await open_modal(stack, "location edit Webinar Room")
    assert buttons(view) == ["Re-link with a GoToWebinar account"]


# --- item: the linked notice only when it is news -------------------------------------------


async def test_relinking_the_same_account_posts_no_second_notice(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    await consent(browser_http, await create_goto_location(stack, teams), account="bob@example.com")
    await stack.command("location link Webinar Room")
    again = link_url_in(stack.standin.calls_to("response_url")[-1].args["blocks"])
    landing = await consent(browser_http, again, account="bob@example.com")
    assert "Location has been linked correctly" in landing.text
    await stack.runtime.outbox.deliver_due()
    linked = [
        c.args["text"]
        for c in stack.standin.calls_to("chat.postMessage")
        if c.args["channel"] == TRAINING and "linked location" in c.args["text"]
    ]
    assert len(linked) == 1
    assert [n.kind for n in await stack.rows(Notice)].count("location_linked") == 1

    # Another account is news: the team is told.
    await stack.command("location link Webinar Room")
    other = link_url_in(stack.standin.calls_to("response_url")[-1].args["blocks"])
    await consent(browser_http, other, account="carol@example.com")
    assert [n.kind for n in await stack.rows(Notice)].count("location_linked") == 2


async def test_goto_not_confirming_the_code_leaves_a_clear_page_and_nothing_half_linked(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    back = await callback_url(browser_http, await create_goto_location(stack, teams))
    (link_message,) = stack.standin.calls_to("response_url")[-1:]
    replies = len(stack.standin.calls_to("response_url"))
    fault = await browser_http.post(
        f"{stack.goto_url}/_sandbox/faults",
        json={"status": 400, "path_contains": "/oauth/token", "body": {"error": "server_error"}},
    )
    assert fault.status_code < 300, fault.text
    landing = await browser_http.get(back)
    assert landing.status_code == 502
    assert "GoTo did not confirm the link" in landing.text
    assert (
        "Start a new link from Slack with <code>/vilt location link Webinar Room</code>"
        in landing.text
    )
    # The link message in Slack loses its used-up button and says what happened and what next.
    (replaced,) = (await stack.standin.wait_for("response_url", count=replies + 1))[replies:]
    assert replaced.path == link_message.path and replaced.args["replace_original"] is True
    assert replaced.args["text"].startswith(":x: GoTo did not confirm")
    assert "`/vilt location link Webinar Room`" in replaced.args["text"]
    assert "Link with your" not in json.dumps(replaced.args)
    (location,) = await stack.rows(Location)
    assert location.goto_organizer_key is None and location.access_token_enc is None
    assert location.linked_at is None
    assert [n for n in await stack.rows(Notice) if n.kind == "location_linked"] == []
    # The same link cannot be tried again: GoTo may have used up the code.
    replay = await browser_http.get(back)
    assert replay.status_code == 410 and "already used" in replay.text


async def test_the_replaced_message_and_the_modal_show_a_name_with_markup_as_text(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    name = "Room <!channel> & *Co*"
    await create_goto_location(stack, teams, name=name)
    view = await open_modal(stack, f"location edit {name}")
    before = len(stack.standin.calls_to("views.update"))
    await stack.slack.block_action(
        "link_from_modal",
        user_id=BOSS,
        team_id=WS,
        view=view,
        state_values=webinar_values([teams["Sales"]], name=name, consumer_secret=""),
    )
    calls = await stack.standin.wait_for("views.update", count=before + 1)
    shown = stack.standin.view(calls[before].args["view_id"])
    assert shown is not None
    await consent(browser_http, link_url_in(shown["blocks"]))
    replaced = stack.standin.calls_to("response_url")[-1].args["text"]
    assert "*Room &lt;!channel&gt; &amp; *Co**" in replaced and "<!channel>" not in replaced
    assert "*Room &lt;!channel&gt; &amp; *Co** is linked." in modal_text(stack, view["id"])


async def test_declining_on_goto_keeps_the_link_button_and_says_how_to_link_after_all(
    stack: Stack, browser_http: httpx.AsyncClient
) -> None:
    teams = await admin_with_teams(stack)
    link_url = await create_goto_location(stack, teams)
    replies = len(stack.standin.calls_to("response_url"))
    page = await consent(browser_http, link_url, decision="deny")
    assert page.status_code == 403 and "Linking cancelled" in page.text
    assert "click the Link button in Slack again" in page.text
    assert 'href="https://app.slack.com/client/"' in page.text
    # The button was not used up, so the message keeps it; clicking it again links.
    await asyncio.sleep(0.3)
    assert len(stack.standin.calls_to("response_url")) == replies
    landing = await consent(browser_http, link_url)
    assert "Location has been linked correctly" in landing.text
    assert f'href="https://app.slack.com/client/{WS}"' in landing.text
