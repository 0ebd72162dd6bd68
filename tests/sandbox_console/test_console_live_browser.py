"""In a real headless Chromium, what the bot does later appears by itself, without a page load:
a message posted to the channel being read, its chat.update and its chat.delete, a new message in
another place (marked in the sidebar), a modal opened and updated by the bot; switching person
happens in place, and each person sees only their own DM."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, Request, expect
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.console.workspace import GENERAL, TRAINING
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_BOT_TOKEN, SANDBOX_TEAM
from tests.sandbox_console.conftest import Sandbox
from tests.support.browser import chromium

pytestmark = pytest.mark.browser

LEA = "U0SANDLEA1"


def bot(sandbox: Sandbox) -> AsyncWebClient:
    return AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=sandbox.runtime.settings.slack_api_url)


def modal(title: str, note: str) -> dict[str, object]:
    return {
        "type": "modal",
        "callback_id": "console-live-test",
        "title": {"type": "plain_text", "text": title},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": note}}],
    }


def count_loads(page: Page) -> list[str]:
    loads: list[str] = []

    def saw(request: Request) -> None:
        if request.resource_type == "document":
            loads.append(request.url)

    page.on("request", saw)
    return loads


async def test_what_the_bot_does_later_appears_in_place(sandbox: Sandbox) -> None:
    client = bot(sandbox)
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await page.goto(f"{sandbox.url}/sandbox?user={SANDBOX_ADMIN}&channel={GENERAL}")
        loads = count_loads(page)
        pane = page.locator("#messages")

        posted = await client.chat_postMessage(channel=GENERAL, text="Room *B* is ready")
        message = pane.locator("article").filter(has_text="Room B is ready")
        await expect(message).to_be_visible()
        await expect(message.locator(".bk-text strong")).to_have_text("B")
        await expect(message).to_be_in_viewport()

        await client.chat_update(channel=GENERAL, ts=posted["ts"], text="Room *C* is ready")
        await expect(pane.locator("article").filter(has_text="Room C is ready")).to_be_visible()
        await expect(pane.locator("article").filter(has_text="Room B is ready")).to_have_count(0)

        await client.chat_delete(channel=GENERAL, ts=posted["ts"])
        await expect(pane.locator("article").filter(has_text="Room C is ready")).to_have_count(0)

        # A message elsewhere is marked in the sidebar, and is there when Ada goes to it.
        await client.chat_postMessage(channel=TRAINING, text="Welcome to #training")
        training = page.locator(f'#sidebar a[data-place="{TRAINING}"]')
        await expect(training).to_have_class("place unread")
        await training.click()
        await expect(page.locator("#pane-title")).to_have_text("#training")
        await expect(pane).to_contain_text("Welcome to #training")
        await expect(training).not_to_have_class("place here unread")

        # A modal the bot opens, then updates, is drawn over the pane.
        trigger = sandbox.console.requests.trigger(SANDBOX_TEAM, SANDBOX_ADMIN)
        opened = await client.views_open(trigger_id=trigger, view=modal("Heads up", "First"))
        dialog = page.get_by_role("dialog", name="Heads up")
        await expect(dialog).to_contain_text("First")
        await client.views_update(view_id=opened["view"]["id"], view=modal("Heads up", "Second"))
        await expect(dialog).to_contain_text("Second")
        await dialog.get_by_role("button", name="Close").first.click()
        await expect(page.get_by_role("dialog")).to_have_count(0)

        # Ada's DM holds what the bot sent her; Lea, switched to in place, sees her own.
        await client.chat_postMessage(channel=SANDBOX_ADMIN, text="Only for Ada")
        await page.locator('#sidebar a[data-place^="D"]').click()
        await expect(pane).to_contain_text("Only for Ada")
        await page.get_by_label("You are").select_option(value=LEA)
        await expect(page.locator("#who-note")).to_have_text("as Lea Learner")
        await expect(page.locator("#pane-title")).to_have_text("viltbot")
        await expect(pane).not_to_contain_text("Only for Ada")
        assert loads == [], f"the page loaded again: {loads}"
