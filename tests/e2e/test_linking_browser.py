"""The GoTo link flow in a real headless Chromium: Allow lands on our page; Deny too."""

from __future__ import annotations

import pytest

from domain.models import Location
from tests.e2e.conftest import Stack
from tests.e2e.locations_flow import admin_with_teams, create_goto_location
from tests.support.browser import chromium

pytestmark = pytest.mark.browser


async def test_allow_in_a_real_browser_lands_on_the_success_page(stack: Stack, tmp_path) -> None:
    teams = await admin_with_teams(stack)
    link_url = await create_goto_location(stack, teams)
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(link_url)
        # The bot's start page sent the browser on to GoTo's consent page.
        assert "/oauth/authorize" in page.url
        assert (await page.title()).startswith("Allow ")
        await page.select_option("select[name=account]", "carol@example.com")
        await page.get_by_role("button", name="Allow").click()
        await page.wait_for_url("**/goto/oauth/callback?**")
        heading = page.get_by_role("heading")
        assert await heading.inner_text() == "Location has been linked correctly"
        content = await page.content()
        assert "reload in Slack" not in content
        assert 'href="slack://open?team=T0ACME0001"' in content
        await page.screenshot(path=str(tmp_path / "linked.png"))
    (location,) = await stack.rows(Location)
    assert location.goto_email == "carol@example.com"


async def test_deny_in_a_real_browser_shows_the_cancelled_page_and_links_nothing(
    stack: Stack,
) -> None:
    teams = await admin_with_teams(stack)
    link_url = await create_goto_location(stack, teams)
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(link_url)
        await page.get_by_role("button", name="Deny").click()
        await page.wait_for_url("**/goto/oauth/callback?**")
        assert await page.get_by_role("heading").inner_text() == "Linking cancelled"
    (location,) = await stack.rows(Location)
    assert location.goto_organizer_key is None
