"""A code exchange GoTo does not answer is not resent, and the admin is told to start again."""

from __future__ import annotations

import httpx
import pytest

from domain.models import Location
from tests.e2e.conftest import Stack
from tests.e2e.locations_flow import admin_with_teams, consent, create_goto_location


@pytest.mark.parametrize("status", [502, 504])
async def test_a_sign_in_goto_does_not_answer_is_sent_once_and_the_page_says_start_again(
    stack: Stack, status: int
) -> None:
    teams = await admin_with_teams(stack)
    link_url = await create_goto_location(stack, teams)
    async with httpx.AsyncClient(timeout=10) as http:
        fault = {"status": status, "count": 1, "path_contains": "/oauth/token"}
        assert (await http.post(f"{stack.goto_url}/_sandbox/faults", json=fault)).is_success
        before = len(stack.goto_state.requests)
        landing = await consent(http, link_url, account="bob@example.com")
    token_posts = [
        r for r in list(stack.goto_state.requests)[before:] if r["path"] == "/oauth/token"
    ]
    assert len(token_posts) == 1
    assert landing.status_code >= 400
    assert (
        f"GoTo did not answer the sign-in (HTTP {status}), so it is not known whether it went "
        "through. Nothing was saved. Start a new link from Slack: this sign-in cannot be used "
        "again."
    ) in landing.text
    (location,) = await stack.rows(Location)
    assert (location.goto_email, location.refresh_token_enc) == (None, None)
