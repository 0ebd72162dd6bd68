"""App Home shows the active team and its locations with their connection status."""

from __future__ import annotations

import json

import httpx

from tests.e2e.conftest import BEN, BOSS, WS, Stack
from tests.e2e.locations_flow import admin_with_teams, consent, create_goto_location


async def test_home_lists_locations_with_connection_status(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    link_url = await create_goto_location(stack, teams)
    await create_goto_location(stack, teams, name="Spare Room")
    async with httpx.AsyncClient(timeout=10) as http:
        await consent(http, link_url, account="alice@example.com")
    response = await stack.slack.app_home_opened(BOSS, WS)
    assert response.status_code == 200
    (publish,) = await stack.standin.wait_for("views.publish")
    assert publish.args["user_id"] == BOSS
    home = json.dumps(publish.args["view"], ensure_ascii=False)
    assert "Active team: *Sales* (you are admin)" in home
    assert "*Webinar Room* · GoToWebinar" in home and "connected as alice@example.com" in home
    assert "*Spare Room* · GoToWebinar" in home and "not linked" in home


async def test_home_tells_a_newcomer_how_to_join(stack: Stack) -> None:
    await stack.slack.app_home_opened(BEN, WS)
    (publish,) = await stack.standin.wait_for("views.publish")
    assert "You are not in any viltbot team yet" in json.dumps(publish.args["view"])


async def test_home_shows_the_active_teams_locations_and_how_to_switch(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    await create_goto_location(stack, teams)  # owned by and available to Sales
    await stack.command("team use Support")
    await stack.slack.app_home_opened(BOSS, WS)
    (publish,) = await stack.standin.wait_for("views.publish")
    home = json.dumps(publish.args["view"], ensure_ascii=False)
    assert "Active team: *Support* (you are admin)" in home
    assert "switch with `/vilt team use Sales`" in home
    assert "Webinar Room" not in home
