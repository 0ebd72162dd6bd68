"""A real headless Chromium uses the console: help, a team, the location modal, GoTo linking."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from sandbox.ids import SANDBOX_ADMIN
from tests.sandbox_console.conftest import Sandbox
from tests.sandbox_console.live_page import (
    composer,
    in_view,
    messages,
    run,
    sent,
)
from tests.support.browser import chromium

pytestmark = pytest.mark.browser


async def test_help_in_the_browser(sandbox: Sandbox) -> None:
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{sandbox.url}/sandbox")
        await expect(composer(page)).to_have_value("help")
        await run(page, "help")
        reply = messages(page).locator("article.msg.ephemeral")
        await expect(reply).to_contain_text("viltbot commands you can use:")
        await expect(reply).to_contain_text("/vilt team new <name> #channel")
        await expect(reply.locator("strong").first).to_have_text("viltbot")
        # Answered in place, in #general where it was typed, for the person's eyes only.
        await expect(page.locator("#pane-title")).to_have_text("#general")
        await expect(reply).to_contain_text("Only visible to you")
        await in_view(reply, messages(page))
        # The command stays in the box, to send again or change; ↑ brings back earlier ones.
        await expect(composer(page)).to_have_value("help")
        await run(page, "sessions")
        await expect(messages(page).locator("article.msg.ephemeral")).to_have_count(2)
        await composer(page).fill("")
        await composer(page).press("ArrowUp")
        await expect(composer(page)).to_have_value("sessions")
        await composer(page).press("ArrowUp")
        await expect(composer(page)).to_have_value("help")
        await composer(page).press("ArrowDown")
        await expect(composer(page)).to_have_value("sessions")


async def test_location_modal_reacts_to_the_kind_and_links_to_goto(sandbox: Sandbox) -> None:
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{sandbox.url}/sandbox?user={SANDBOX_ADMIN}")
        await run(page, "team new Sales #training")
        await expect(messages(page)).to_contain_text("Team Sales created")

        await run(page, "location new")
        modal = page.get_by_role("dialog", name="New location")
        await expect(modal).to_be_visible()
        await expect(modal.get_by_label("Consumer key")).to_have_count(0)
        # Slack's client refuses to submit an empty required input; the bot never hears of it.
        await modal.get_by_role("button", name="Create").click()
        await expect(modal.get_by_role("alert")).to_have_text(
            ["Please complete this required field."]
        )
        await modal.get_by_label("Name").fill("Webinar room")
        # The kind select dispatches block_actions; the bot answers with views.update.
        await modal.get_by_label("Kind").select_option(label="GoToWebinar")
        await expect(modal.get_by_label("Consumer key")).to_be_visible()
        # What was typed survives the update, as in Slack.
        await expect(modal.get_by_label("Name")).to_have_value("Webinar room")

        await modal.get_by_label("Consumer key").fill("demo-webinar-app")
        await modal.get_by_label("Consumer secret").fill("demo-webinar-secret")
        await modal.get_by_label("Max learners").fill("lots")
        # The bot answers response_action=errors: shown under the field, the modal stays open.
        await modal.get_by_role("button", name="Create").click()
        await expect(modal.get_by_role("alert")).to_have_text(
            ["Enter a whole number from 1 to 100,000, or leave it empty."]
        )
        await modal.get_by_label("Max learners").fill("25")
        await modal.get_by_role("button", name="Create").click()
        await sent(page)
        await expect(page.get_by_role("dialog")).to_have_count(0)

        # The reply with the link arrives after the ack, in #general where the command was typed,
        # and is shown without the person scrolling to it.
        link = messages(page).get_by_role("link", name="Link with your GoToWebinar account")
        await expect(link).to_be_visible(timeout=5000)
        await in_view(link, messages(page))
        await expect(link.locator("xpath=ancestor::article")).to_contain_text("Only visible to you")
        async with page.expect_popup() as opened:
            await link.click()
        consent = await opened.value
        await expect(consent.get_by_role("button", name="Allow")).to_be_visible()
        await consent.get_by_label("Sign in as").select_option("alice@example.com")
        await consent.get_by_role("button", name="Allow").click()
        await expect(consent.locator("body")).to_contain_text("linked correctly")
