"""A console tab left open while the sandbox restarts goes on by itself: the next command's reply
shows in it, with what was there before, without reloading the page."""

from __future__ import annotations

import socket

import pytest
from playwright.async_api import Request, expect

from sandbox.ids import SANDBOX_ADMIN
from tests.sandbox_console.conftest import serve_sandbox
from tests.sandbox_console.live_page import run
from tests.support.browser import chromium

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_open_tab_goes_on_after_a_restart(database_url: str) -> None:
    port = free_port()
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        loads: list[str] = []

        def saw(request: Request) -> None:
            if request.resource_type == "document":
                loads.append(request.url)

        async with serve_sandbox(database_url, port) as first:
            await page.goto(f"{first.url}/sandbox?user={SANDBOX_ADMIN}")
            page.on("request", saw)
            await run(page, "team new Sales #training")
            before = page.locator("#messages article").filter(has_text="Team Sales created")
            await expect(before).to_have_count(1)
        async with serve_sandbox(database_url, port):
            await run(page, "team list")
            pane = page.locator("#messages")
            await expect(pane.locator("article").filter(has_text="Sales")).to_have_count(2)
            await expect(before).to_have_count(1)
            # Still live: the bot's later posts arrive by themselves once the stream is back.
            await run(page, "help")
            await expect(pane).to_contain_text("viltbot commands you can use")
        assert loads == []
