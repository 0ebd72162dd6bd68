"""Steps shared by the location tests: open the modal, fill it, drive GoTo's consent page."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any
from urllib.parse import urljoin

import httpx

from tests.e2e.conftest import BOSS, TRAINING, WS, Stack

WEBINAR_KEY, WEBINAR_SECRET = "demo-webinar-app", "demo-webinar-secret"
TRAINING_KEY, TRAINING_SECRET = "demo-training-app", "demo-training-secret"


async def admin_with_teams(stack: Stack) -> dict[str, int]:
    """BOSS administers Sales (active) and Support; returns team ids by name."""
    from domain.models import Team

    await stack.command(f"team new Support <#{TRAINING}|training>")
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    return {t.name: t.id for t in await stack.rows(Team)}


async def open_modal(stack: Stack, text: str = "location new", user: str = BOSS) -> dict[str, Any]:
    """Run a command that opens the location modal; return the filled view as Slack holds it."""
    before = len(stack.standin.calls_to("views.update"))
    response = await stack.slack.slash(text, user_id=user, team_id=WS)
    assert response.status_code == 200
    calls = await stack.standin.wait_for("views.update", count=before + 1)
    view = stack.standin.view(calls[before].args["view_id"])
    assert view is not None
    return view


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


async def choose_kind(
    stack: Stack, view: dict[str, Any], kind: str, **state: Any
) -> dict[str, Any]:
    """Pick a kind in the open modal (dispatch_action) and return the updated view."""
    before = len(stack.standin.calls_to("views.update"))
    response = await stack.slack.block_action(
        "kind_selected",
        user_id=BOSS,
        team_id=WS,
        view=view,
        value=kind,
        state_values={"kind": kind, **state},
    )
    assert response.status_code == 200
    calls = await stack.standin.wait_for("views.update", count=before + 1)
    assert calls[before].args.get("hash"), "views.update must carry the view's hash"
    updated = stack.standin.view(calls[before].args["view_id"])
    assert updated is not None
    return updated


async def submit(
    stack: Stack, view: dict[str, Any], values: dict[str, Any], user: str = BOSS
) -> dict[str, Any]:
    """Submit the modal; return the bot's ack body ({} when it simply closes)."""
    response = await stack.slack.view_submission(
        view, values, user_id=user, team_id=WS, check_required=False
    )
    assert response.status_code == 200, response.text
    return json.loads(response.text) if response.text.strip() else {}


def webinar_values(team_ids: list[int], **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Webinar Room",
        "status": "active",
        "kind": "gotowebinar",
        "consumer_key": WEBINAR_KEY,
        "consumer_secret": WEBINAR_SECRET,
        "goto_notifications": ["on"],
        "max_learners": "25",
        "information_url": "https://example.com/webinars",
        "owner_team": str(team_ids[0]),
        "team_availability": [str(t) for t in team_ids],
        "description": "Live product demos #onboarding #sales",
    }
    values.update(overrides)
    if values["kind"] == "classroom":
        # A classroom modal has no GoTo fields to fill.
        for name in ("consumer_key", "consumer_secret", "goto_notifications"):
            values.pop(name, None)
    return values


async def create_goto_location(
    stack: Stack, teams: dict[str, int], kind: str = "gotowebinar", **overrides: Any
) -> str:
    """Create a GoTo location through the modal; return the link URL the bot DMed the admin."""
    view = await open_modal(stack)
    view = await choose_kind(stack, view, kind)
    values = webinar_values([teams["Sales"]], kind=kind, **overrides)
    before = len(stack.standin.calls_to("response_url"))
    assert await submit(stack, view, values) == {}
    # The link button comes as an ephemeral reply to the command that opened the modal.
    calls = await stack.standin.wait_for("response_url", count=before + 1)
    assert calls[before].args["response_type"] == "ephemeral"
    return link_url_in(calls[before].args["blocks"])


def link_url_in(blocks: Any) -> str:
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("url"):
                return str(element["url"])
    raise AssertionError(f"no link button in {blocks}")


async def consent(
    http: httpx.AsyncClient, link_url: str, *, decision: str = "allow", account: str | None = None
) -> httpx.Response:
    """Follow the bot's link to GoTo's consent page, answer it, and land back on the bot."""
    start = await http.get(link_url)
    assert start.status_code == 302, start.text
    page = await http.get(start.headers["location"])
    assert page.status_code == 200, page.text
    form = _form(page.text)
    if account:
        form["account"] = account
    form["decision"] = decision
    action = urljoin(str(page.url), form.pop("_action"))
    answer = await http.post(action, data=form)
    assert answer.status_code in (302, 303), answer.text
    return await http.get(answer.headers["location"])


def _form(html: str) -> dict[str, str]:
    action = re.search(r'<form[^>]*action="([^"]*)"', html)
    assert action, html
    fields = {
        unescape(m.group(1)): unescape(m.group(2))
        for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }
    selected = re.search(r'<option value="([^"]+)"[^>]*selected', html) or re.search(
        r'<option value="([^"]+)"', html
    )
    if selected:
        fields["account"] = unescape(selected.group(1))
    fields["_action"] = unescape(action.group(1))
    return fields
