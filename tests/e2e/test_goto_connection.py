"""After linking, the location's GoTo client refreshes tokens by itself and stores them encrypted."""

from __future__ import annotations

import httpx
import pytest

from bot.goto.errors import NeedsRelink, TokenOutcomeUnknown
from domain.models import Location
from tests.e2e.conftest import Stack
from tests.e2e.locations_flow import admin_with_teams, consent, create_goto_location

BOBS_WEBINAR = "1234500005"


async def linked_location(stack: Stack) -> Location:
    teams = await admin_with_teams(stack)
    async with httpx.AsyncClient(timeout=10) as http:
        await consent(http, await create_goto_location(stack, teams), account="bob@example.com")
    (location,) = await stack.rows(Location)
    assert isinstance(location, Location)
    return location


async def test_an_expired_access_token_is_refreshed_and_stored_encrypted(stack: Stack) -> None:
    location = await linked_location(stack)
    async with stack.runtime.goto.client_for(location) as goto:
        webinar = await goto.webinar.get_webinar(location.goto_organizer_key or "", BOBS_WEBINAR)
        assert webinar.webinar_key == BOBS_WEBINAR
        stack.goto_clock.advance(61 * 60)  # GoTo's access tokens live 60 minutes
        again = await goto.webinar.get_webinar(location.goto_organizer_key or "", BOBS_WEBINAR)
        assert again.webinar_key == BOBS_WEBINAR
    (after,) = await stack.rows(Location)
    assert after.access_token_enc != location.access_token_enc
    box = stack.runtime.box
    assert box.decrypt(after.access_token_enc or "") != box.decrypt(location.access_token_enc or "")
    assert after.access_expires_at and location.access_expires_at
    assert after.access_expires_at > location.access_expires_at


async def test_a_lapsed_connection_needs_relinking(stack: Stack) -> None:
    location = await linked_location(stack)
    stack.goto_clock.advance(31 * 24 * 3600)  # refresh tokens last about 30 days
    async with stack.runtime.goto.client_for(location) as goto:
        with pytest.raises(NeedsRelink):
            await goto.webinar.get_webinar(location.goto_organizer_key or "", BOBS_WEBINAR)
    (after,) = await stack.rows(Location)
    assert after.refresh_token_enc == location.refresh_token_enc


async def test_a_refresh_goto_does_not_answer_is_sent_once_and_shown_on_the_location(
    stack: Stack,
) -> None:
    location = await linked_location(stack)
    stack.goto_clock.advance(61 * 60)
    async with httpx.AsyncClient() as http:
        fault = {"status": 504, "count": 1, "path_contains": "/oauth/token"}
        assert (await http.post(f"{stack.goto_url}/_sandbox/faults", json=fault)).is_success
    before = len(stack.goto_state.requests)
    async with stack.runtime.goto.client_for(location) as goto:
        with pytest.raises(TokenOutcomeUnknown):
            await goto.webinar.get_webinar(location.goto_organizer_key or "", BOBS_WEBINAR)
    sent = [(r["method"], r["path"]) for r in list(stack.goto_state.requests)[before:]]
    # The expired access token is turned away, the refresh is tried once, nothing is resent.
    assert sent == [
        ("GET", f"/G2W/rest/v2/organizers/{location.goto_organizer_key}/webinars/{BOBS_WEBINAR}"),
        ("POST", "/oauth/token"),
    ]
    (after,) = await stack.rows(Location)
    assert after.connection_error == (
        "GoTo did not answer a token refresh (HTTP 504); re-link to be safe."
    )
    assert after.refresh_token_enc == location.refresh_token_enc
    shown = await stack.command(f"location show {location.name}")
    assert "failed: GoTo did not answer a token refresh (HTTP 504); re-link to be safe." in shown
