"""A command's response_url replaces or deletes the ephemeral it posted last, as in Slack."""

from __future__ import annotations

import httpx

from domain.actor import Actor
from domain.rules import LocationForm
from domain.services import locations
from domain.services.identity import resolve_actor
from sandbox.console.workspace import GENERAL, TRAINING
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_TEAM
from tests.e2e.locations_flow import consent, link_url_in
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


async def test_the_link_message_is_replaced_in_the_console_once_goto_confirms(
    sandbox: Sandbox,
) -> None:
    deps = sandbox.runtime.deps
    async with httpx.AsyncClient(base_url=sandbox.url, follow_redirects=True, timeout=10) as http:
        await command(http, f"team new Sales <#{TRAINING}|training>")
        actor = await actor_of(sandbox)
        assert actor.active_team_id is not None
        async with deps.uow() as uow:
            await locations.create_location(
                uow,
                actor,
                LocationForm(
                    name="Webinar Room",
                    kind="gotowebinar",
                    owner_team_id=actor.active_team_id,
                    team_ids=[actor.active_team_id],
                    consumer_key="demo-webinar-app",
                    consumer_secret="demo-webinar-secret",
                ),
                sealer=deps.sealer,
            )
            await uow.commit()
        await command(http, "location link Webinar Room")
        (item,) = [i for i in sandbox.console.feed.ephemerals(SANDBOX_ADMIN) if "Link" in i.text]
        link_url = link_url_in(item.blocks)
    async with httpx.AsyncClient(timeout=10) as browser:
        landing = await consent(browser, link_url)
    assert "Location has been linked correctly" in landing.text
    # Back to Slack from the landing page is back to the console; there is no Slack app here.
    assert f'href="{sandbox.url}/sandbox"' in landing.text
    assert "slack://" not in landing.text and "app.slack.com" not in landing.text
    texts = [i.text for i in sandbox.console.feed.ephemerals(SANDBOX_ADMIN)]
    assert not any("Link *Webinar Room*" in t for t in texts), texts
    (replaced,) = [i for i in sandbox.console.feed.ephemerals(SANDBOX_ADMIN) if "linked" in i.text]
    assert "*Webinar Room* is linked to the GoToWebinar account" in replaced.text
    assert not [e for b in replaced.blocks for e in b.get("elements", []) if e.get("url")]


async def command(http: httpx.AsyncClient, text: str) -> None:
    response = await http.post(
        "/sandbox/command", data={"user": SANDBOX_ADMIN, "channel": GENERAL, "text": text}
    )
    assert response.status_code == 200


async def actor_of(sandbox: Sandbox) -> Actor:
    deps = sandbox.runtime.deps
    async with deps.uow() as uow:
        return await resolve_actor(uow, SANDBOX_TEAM, SANDBOX_ADMIN, first_admins=deps.first_admins)
