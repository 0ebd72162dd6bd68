"""In a real headless Chromium, the console keeps what a person acts on in view: Enter in a modal
searches or does nothing (it never closes the modal), the field acted on or in error stays or comes
in view, a select left empty stays empty, and the newest private reply is on screen."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.console.workspace import GENERAL
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_BOT_TOKEN, SANDBOX_TEAM
from tests.sandbox_console.conftest import Sandbox
from tests.sandbox_console.live_page import in_view, messages, run, sent
from tests.support.browser import chromium

pytestmark = pytest.mark.browser

CALLBACK = "console-focus-test"
EVENTS = ("Quarterly Update", "Kickoff", "Security Basics")


def _input(block_id: str, label: str, element: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        **more,
    }


def long_modal() -> dict[str, Any]:
    """Eight notes first, so that the fields below them start out of view."""
    notes = [
        _input(f"note{n}", f"Note {n}", {"type": "plain_text_input", "action_id": "value"})
        for n in range(1, 9)
    ]
    kinds = [{"text": {"type": "plain_text", "text": k}, "value": k} for k in ("Room", "Web")]
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "title": {"type": "plain_text", "text": "Long form"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            *notes,
            _input("starts", "Starts", {"type": "datetimepicker", "action_id": "value"}),
            _input("who", "Who", {"type": "users_select", "action_id": "value"}),
            _input(
                "kind",
                "Kind",
                {"type": "static_select", "action_id": "pick_kind", "options": kinds},
                dispatch_action=True,
            ),
            _input(
                "event",
                "Event",
                {"type": "external_select", "action_id": "pick_event", "min_query_length": 0},
            ),
        ],
    }


def bot_client(sandbox: Sandbox) -> AsyncWebClient:
    return AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=sandbox.runtime.settings.slack_api_url)


async def test_a_long_modal_keeps_the_field_acted_on_in_view(sandbox: Sandbox) -> None:
    app = sandbox.runtime.slack_app
    submitted: list[dict[str, Any]] = []

    @app.action("pick_kind")
    async def kind_picked(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        view = body["view"]
        await client.views_update(view_id=view["id"], hash=view["hash"], view=long_modal())

    @app.options("pick_event")
    async def events(ack: AsyncAck, body: dict[str, Any]) -> None:
        found = [e for e in EVENTS if body["value"].lower() in e.lower()]
        await ack(options=[{"text": {"type": "plain_text", "text": e}, "value": e} for e in found])

    @app.view(CALLBACK)
    async def saved(ack: AsyncAck, body: dict[str, Any]) -> None:
        submitted.append(body["view"]["state"]["values"])
        await ack(response_action="errors", errors={"event": "That event has been cancelled."})

    trigger = sandbox.console.requests.trigger(SANDBOX_TEAM, SANDBOX_ADMIN)
    await bot_client(sandbox).views_open(trigger_id=trigger, view=long_modal())
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 700})
        await page.goto(f"{sandbox.url}/sandbox?user={SANDBOX_ADMIN}")
        modal = page.get_by_role("dialog", name="Long form")

        # Enter in an input of the modal neither submits nor closes it (as in Slack).
        await modal.get_by_label("Note 1").fill("kept")
        await modal.get_by_label("Starts").press("Enter")
        await modal.get_by_label("Note 1").press("Enter")
        await page.wait_for_timeout(500)
        await expect(modal).to_be_visible()
        assert submitted == []

        # Picking the kind updates the modal; the kind stays in view, the modal is not back at
        # its top.
        drawn = modal.locator("input[name=view_hash]")
        hash_before = await drawn.input_value()
        await modal.get_by_label("Kind").select_option(label="Web")
        await sent(page)
        # The bot's views.update reaches the page over its event stream: the modal is drawn again.
        await expect(drawn).not_to_have_value(hash_before)
        await in_view(modal.get_by_label("Kind"))
        await expect(modal.get_by_label("Note 1")).not_to_be_in_viewport()
        await expect(modal.get_by_label("Note 1")).to_have_value("kept")
        await expect(modal.get_by_label("Who")).to_have_value("")

        # The menu searches as the person types, keeping the box's focus while the options come.
        search = modal.get_by_label("Search Event")
        picker = modal.get_by_role("combobox", name="Event")
        await search.press_sequentially("sec", delay=40)
        await expect(picker.get_by_role("option")).to_have_text(
            ["Select an item", "Security Basics"]
        )
        await expect(search).to_be_focused()
        await expect(search).to_have_value("sec")

        # Enter in the menu's search box searches; the found options are shown at the menu.
        await search.fill("quarter")
        await search.press("Enter")
        await expect(picker.get_by_role("option")).to_have_text(
            ["Select an item", "Quarterly Update"]
        )
        await in_view(picker)
        await expect(search).to_have_value("quarter")
        await picker.select_option(label="Quarterly Update")

        # The bot's error under the last field is shown, not left below the fold.
        await modal.evaluate("modal => modal.closest('.overlay').scrollTo(0, 0)")
        await modal.get_by_role("button", name="Save").click()
        error = modal.get_by_role("alert")
        await expect(error).to_have_text("That event has been cancelled.")
        await in_view(error)
    (values,) = submitted
    assert values["event"]["pick_event"]["selected_option"]["value"] == "Quarterly Update"
    assert values["who"]["value"].get("selected_user") is None


def row(number: int) -> dict[str, Any]:
    """A section with a button and no block_id: Slack gives it one."""
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": f"Row {number}"},
        "accessory": {
            "type": "button",
            "action_id": "pick_row",
            "value": str(number),
            "text": {"type": "plain_text", "text": f"Pick row {number}"},
        },
    }


async def test_a_button_of_a_private_reply_clicks_and_its_answer_is_on_screen(
    sandbox: Sandbox,
) -> None:
    app = sandbox.runtime.slack_app

    @app.action("pick_row")
    async def picked(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        value = body["actions"][0]["value"]
        await respond(text=f"You picked row {value}.", replace_original=False)

    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 700})
        await page.goto(f"{sandbox.url}/sandbox?user={SANDBOX_ADMIN}")
        pane = messages(page)
        helps = pane.locator("article.ephemeral").filter(has_text="viltbot commands you can use")
        for sent_so_far in range(1, 4):  # long answers: #general runs past the window
            await run(page, "help")
            await expect(helps).to_have_count(sent_so_far)
        await run(page, "team new Sales #training")
        created = pane.locator("article.ephemeral").filter(has_text="Team Sales created")
        await in_view(created, pane)
        await expect(helps.first).not_to_be_in_viewport()

        await bot_client(sandbox).chat_postEphemeral(
            channel=GENERAL, user=SANDBOX_ADMIN, text="Rows", blocks=[row(1), row(2)]
        )
        # Posted by the bot later: it arrives by itself, and below the newest it is in view.
        pick = pane.get_by_role("button", name="Pick row 2")
        await expect(pick).to_have_count(1, timeout=5000)
        await in_view(pick, pane)
        await pick.click()
        await sent(page)
        answer = pane.locator("article.ephemeral").filter(has_text="You picked row 2.")
        await expect(answer).to_have_count(1, timeout=5000)
        await expect(page.locator(".note")).to_have_count(0)
        await in_view(answer, pane)
