"""What the console does with a view_submission's answer: update, push, plain ack, clear."""

from __future__ import annotations

import re
from typing import Any

import httpx
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.console.fields import Fields
from sandbox.console.workspace import GENERAL
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_BOT_TOKEN, SANDBOX_TEAM
from tests.sandbox_console.conftest import Sandbox

CALLBACK = "console-test"


def modal(title: str) -> dict[str, Any]:
    """A small modal with one optional text input."""
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Go"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "note",
                "optional": True,
                "label": {"type": "plain_text", "text": "Note"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }


def shown_modal(page: str) -> str | None:
    """The title of the modal on the page, if one is open."""
    match = re.search(r'<h2 id="modal-title">([^<]*)</h2>', page)
    return match.group(1) if match else None


async def submit(http: httpx.AsyncClient, sandbox: Sandbox, note: str) -> str:
    """Press the open modal's submit button with `note` typed in; return the page after."""
    top = sandbox.console.open_modal(SANDBOX_ADMIN)
    assert top is not None
    block = top["blocks"][0]
    name = Fields.name(block, block["element"])
    response = await http.post(
        "/sandbox/view/submit",
        data={
            "user": SANDBOX_ADMIN,
            "channel": GENERAL,
            "view_id": top["id"],
            "view_hash": top["hash"],
            "present": name,
            name: note,
        },
    )
    assert response.status_code == 200
    return response.text


async def test_update_push_ack_and_clear(sandbox: Sandbox, http: httpx.AsyncClient) -> None:
    answers: list[dict[str, Any]] = []
    notes: list[str] = []

    @sandbox.runtime.slack_app.view(CALLBACK)
    async def answer(ack: AsyncAck, body: dict[str, Any]) -> None:
        notes.append(body["view"]["state"]["values"]["note"]["value"]["value"])
        await ack(**answers.pop(0))

    client = AsyncWebClient(
        token=SANDBOX_BOT_TOKEN, base_url=sandbox.runtime.settings.slack_api_url
    )
    trigger = sandbox.console.requests.trigger(SANDBOX_TEAM, SANDBOX_ADMIN)
    await client.views_open(trigger_id=trigger, view=modal("First"))
    assert shown_modal((await http.get("/sandbox")).text) == "First"

    answers.append({"response_action": "update", "view": modal("Second")})
    assert shown_modal(await submit(http, sandbox, "one")) == "Second"

    answers.append({"response_action": "push", "view": modal("Third")})
    page = await submit(http, sandbox, "two")
    assert shown_modal(page) == "Third" and 'aria-label="Back"' in page

    # A plain ack closes the pushed view and shows the one below it again.
    answers.append({})
    assert shown_modal(await submit(http, sandbox, "three")) == "Second"

    answers.append({"response_action": "clear"})
    assert shown_modal(await submit(http, sandbox, "four")) is None
    assert notes == ["one", "two", "three", "four"]
    assert sandbox.console.standin.violations == []
