"""The console drives what the session modal uses: an external select whose options it asks the
bot for (a signed block_suggestion), a datetimepicker, and field errors under them."""

from __future__ import annotations

from typing import Any

import httpx
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.console.fields import Fields
from sandbox.console.workspace import GENERAL
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_BOT_TOKEN, SANDBOX_TEAM
from tests.sandbox_console.conftest import Sandbox

CALLBACK = "console-fields-test"
START = 1_900_000_800  # 2030-03-17 18:00 UTC


def modal() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "title": {"type": "plain_text", "text": "Fields"},
        "submit": {"type": "plain_text", "text": "Go"},
        "blocks": [
            {
                "type": "input",
                "block_id": "zone",
                "label": {"type": "plain_text", "text": "Time zone"},
                "element": {
                    "type": "external_select",
                    "action_id": "pick_zone",
                    "min_query_length": 0,
                    "initial_option": {
                        "text": {"type": "plain_text", "text": "UTC"},
                        "value": "UTC",
                    },
                },
            },
            {
                "type": "input",
                "block_id": "starts_at",
                "label": {"type": "plain_text", "text": "Starts"},
                "element": {
                    "type": "datetimepicker",
                    "action_id": "value",
                    "initial_date_time": START,
                },
            },
        ],
    }


async def test_external_select_options_come_from_the_bot_and_times_go_back_as_timestamps(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    asked: list[str] = []
    submitted: list[dict[str, Any]] = []
    app = sandbox.runtime.slack_app

    @app.options("pick_zone")
    async def zones(ack: AsyncAck, body: dict[str, Any]) -> None:
        asked.append(body["value"])
        found = [z for z in ("Europe/Berlin", "Europe/Oslo") if body["value"].lower() in z.lower()]
        await ack(options=[{"text": {"type": "plain_text", "text": z}, "value": z} for z in found])

    @app.view(CALLBACK)
    async def answer(ack: AsyncAck, body: dict[str, Any]) -> None:
        submitted.append(body["view"]["state"]["values"])
        await ack(response_action="errors", errors={"starts_at": "That time has passed."})

    client = AsyncWebClient(
        token=SANDBOX_BOT_TOKEN, base_url=sandbox.runtime.settings.slack_api_url
    )
    trigger = sandbox.console.requests.trigger(SANDBOX_TEAM, SANDBOX_ADMIN)
    await client.views_open(trigger_id=trigger, view=modal())
    page = (await http.get("/sandbox")).text
    # Shown in Ada's own zone (Europe/Oslo, UTC+1 in March), as Slack's picker does.
    assert 'type="datetime-local"' in page and 'value="2030-03-17T19:00"' in page
    assert "Europe/Oslo</small>" in page
    top = sandbox.console.open_modal(SANDBOX_ADMIN)
    assert top is not None
    zone_block, time_block = top["blocks"]
    zone = Fields.name(zone_block, zone_block["element"])
    starts = Fields.name(time_block, time_block["element"])
    common = {"user": SANDBOX_ADMIN, "channel": GENERAL, "view_id": top["id"]}

    searched = await http.post(
        "/sandbox/suggest",
        data={
            **common,
            "view_hash": top["hash"],
            "present": [zone, starts],
            zone: "UTC",
            starts: "2030-03-17T19:00",
            "suggest": zone,
            f"q:{zone}": "osl",
        },
    )
    assert searched.status_code == 200
    assert asked == ["osl"]
    assert '<option value="Europe/Oslo"' in searched.text

    after = await http.post(
        "/sandbox/view/submit",
        data={
            **common,
            "view_hash": top["hash"],
            "present": [zone, starts],
            zone: "Europe/Oslo",
            starts: "2030-03-18T09:30",
        },
    )
    (values,) = submitted
    assert values["zone"]["pick_zone"]["selected_option"]["value"] == "Europe/Oslo"
    # 09:30 in Oslo is 08:30 UTC: Slack sends the moment, not the wall time.
    assert values["starts_at"]["value"]["selected_date_time"] == 1_900_056_600 - 3600
    assert "That time has passed." in after.text
    assert sandbox.console.standin.violations == []
