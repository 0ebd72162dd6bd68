"""A real headless Chromium presses Allow and Deny on the consent page."""

from __future__ import annotations

import asyncio
import socket

import pytest
import uvicorn

from bot.sandbox.goto import create_goto_sandbox, default_scenario
from tests.support.browser import chromium

pytestmark = pytest.mark.browser


async def test_clicking_allow_in_chromium_redirects_with_a_code() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_goto_sandbox(default_scenario(), rate_limit_per_second=None)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
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
    finally:
        server.should_exit = True
        await task
