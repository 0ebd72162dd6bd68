"""A newcomer's first minute in the sandbox: Ada's Home says how to start, and the GoTo link pages
lead back to the console (never to a Slack app the sandbox does not have)."""

from __future__ import annotations

import html
import re

import httpx
from starlette.applications import Starlette

from bot.web.goto_oauth import BackToSlack, goto_oauth_routes
from bot.web.slack_updates import LinkAnnouncer
from db.uow import SqlUnitOfWork
from domain.rules import LocationForm
from domain.services import linking, locations
from domain.services.identity import resolve_actor
from domain.types import utcnow
from sandbox.console.workspace import TRAINING
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_TEAM
from tests.e2e.locations_flow import WEBINAR_KEY, WEBINAR_SECRET, consent
from tests.sandbox_console.conftest import Sandbox
from tests.sandbox_console.test_console_goto_panel import LEA, shown_on
from tests.sandbox_console.test_console_http import send


def links(page: str) -> list[tuple[str, str]]:
    """Every link on a page: (where it goes, what it says)."""
    return [
        (html.unescape(href), html.unescape(text).strip())
        for href, text in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>([^<]*)</a>', page)
    ]


async def test_the_first_admins_home_says_to_create_a_team_and_a_learners_to_ask(
    http: httpx.AsyncClient,
) -> None:
    ada = shown_on(
        (await http.get("/sandbox", params={"user": SANDBOX_ADMIN, "channel": "home"})).text
    )
    assert (
        "You are a viltbot admin and not in any team yet. Create your first team with "
        "/vilt team new <name> #channel" in ada
    )
    assert "Ask a team admin" not in ada
    lea = shown_on((await http.get("/sandbox", params={"user": LEA, "channel": "home"})).text)
    assert "You are not in any viltbot team yet. Ask a team admin or a viltbot admin" in lea
    assert "Create your first team" not in lea


async def test_a_team_without_its_channel_is_answered_with_an_example(
    http: httpx.AsyncClient,
) -> None:
    page = shown_on(await send(http, SANDBOX_ADMIN, "team new Sales"))
    assert (
        "Usage: /vilt team new <name> #channel, e.g. /vilt team new Sales #training: "
        "the channel is where the team's reports go." in page
    )
    created = shown_on(await send(http, SANDBOX_ADMIN, f"team new Sales <#{TRAINING}|training>"))
    assert "Team Sales created; reports go to #training" in created


async def test_the_goto_link_pages_lead_back_to_the_console(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    console = f"{sandbox.url}/sandbox"
    linked_page = await linked_landing(sandbox, http)
    assert links(linked_page) == [(console, "Open Slack in this browser")]

    async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as browser:
        refused = await browser.get("/goto/oauth/start", params={"state": "not-a-link"})
    assert refused.status_code == 400
    assert "This link is not valid" in refused.text
    assert links(refused.text) == [(console, "Open Slack in this browser")]


async def linked_landing(sandbox: Sandbox, http: httpx.AsyncClient) -> str:
    """The page GoTo's consent sends Ada back to once she allowed the link."""
    runtime = sandbox.runtime
    await send(http, SANDBOX_ADMIN, f"team new Sales <#{TRAINING}|training>")
    async with SqlUnitOfWork(runtime.factory) as uow:
        ada = await resolve_actor(uow, SANDBOX_TEAM, SANDBOX_ADMIN, first_admins=[SANDBOX_ADMIN])
        team = ada.require_admin_of_active()
        assert team.id is not None
        form = LocationForm(
            name="Online room",
            kind="gotowebinar",
            owner_team_id=team.id,
            team_ids=[team.id],
            consumer_key=WEBINAR_KEY,
            consumer_secret=WEBINAR_SECRET,
        )
        location = await locations.create_location(uow, ada, form, sealer=runtime.box)
        assert location.id is not None
        state = await linking.start_link(uow, ada, location.id, now=utcnow())
        await uow.commit()
    async with httpx.AsyncClient(timeout=10) as browser:
        landing = await consent(browser, runtime.deps.link_url(state), account="alice@example.com")
    assert "Location has been linked correctly" in landing.text
    return landing.text


async def test_with_no_slack_url_at_all_the_pages_show_no_link(sandbox: Sandbox) -> None:
    runtime = sandbox.runtime
    announcer = LinkAnnouncer(runtime.slack_clients, runtime.deps)
    app = Starlette(routes=goto_oauth_routes(runtime.deps, announcer, back=BackToSlack("", "")))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as browser:
        refused = await browser.get("/goto/oauth/start", params={"state": "not-a-link"})
    assert refused.status_code == 400 and "This link is not valid" in refused.text
    assert links(refused.text) == [] and "<a " not in refused.text
