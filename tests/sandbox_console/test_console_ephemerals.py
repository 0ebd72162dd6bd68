"""A command's response_url replaces or deletes the ephemeral it posted last, as in Slack."""

from __future__ import annotations

import httpx

from sandbox.console.workspace import GENERAL
from sandbox.ids import SANDBOX_ADMIN
from tests.sandbox_console.conftest import Sandbox


def button_message(text: str) -> dict[str, object]:
    return {
        "response_type": "ephemeral",
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "open",
                        "text": {"type": "plain_text", "text": "Link"},
                        "url": "https://example.com/link",
                    }
                ],
            },
        ],
    }


async def test_replace_original_through_a_commands_response_url_replaces_its_last_ephemeral(
    sandbox: Sandbox,
) -> None:
    feed = sandbox.console.feed
    url = feed.mint_url(SANDBOX_ADMIN, GENERAL, None, None)
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.post(url, json={"text": "Working on it"})).status_code == 200
        assert (await http.post(url, json=button_message("Link Room A"))).status_code == 200
        replaced = {"replace_original": True, "response_type": "ephemeral", "text": "Linked"}
        assert (await http.post(url, json=replaced)).status_code == 200
    shown = [(item.text, bool(item.blocks)) for item in feed.ephemerals(SANDBOX_ADMIN)]
    # The button message became the outcome, in its place; the earlier message stays.
    assert shown == [("Working on it", False), ("Linked", False)]


async def test_delete_original_through_a_commands_response_url_removes_its_last_ephemeral(
    sandbox: Sandbox,
) -> None:
    feed = sandbox.console.feed
    url = feed.mint_url(SANDBOX_ADMIN, GENERAL, None, None)
    async with httpx.AsyncClient(timeout=10) as http:
        await http.post(url, json=button_message("Link Room A"))
        await http.post(url, json={"delete_original": True})
    assert feed.ephemerals(SANDBOX_ADMIN) == []
