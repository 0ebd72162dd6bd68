"""A real headless Chromium presses Allow and Deny on the consent page."""

from __future__ import annotations

import pytest

from sandbox.goto import create_goto_sandbox, default_scenario
from sandbox.serving import serve_in_loop
from tests.support.browser import chromium

pytestmark = pytest.mark.browser


async def test_clicking_allow_in_chromium_redirects_with_a_code() -> None:
    app = create_goto_sandbox(default_scenario(), rate_limit_per_second=None)
    async with serve_in_loop(app, lifespan="off") as base:
        # Redirect back into the sandbox, so the browser lands on a page that exists.
        redirect = f"{base}/_sandbox/clock"
        async with chromium() as browser:
            page = await browser.new_page()
            await page.goto(
                f"{base}/oauth/authorize?client_id=demo-webinar-app&response_type=code"
                f"&redirect_uri={redirect}&state=browser"
            )
            await page.select_option("select[name=account]", "bob@example.com")
            await page.get_by_role("button", name="Allow").click()
            await page.wait_for_url(f"{redirect}?*")
            assert "code=" in page.url and "state=browser" in page.url
            await page.goto(
                f"{base}/oauth/authorize?client_id=demo-webinar-app&response_type=code"
                f"&redirect_uri={redirect}&state=again"
            )
            await page.get_by_role("button", name="Deny").click()
            await page.wait_for_url(f"{redirect}?*")
            assert "error=access_denied" in page.url
