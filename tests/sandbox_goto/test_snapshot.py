"""A GoTo sandbox put back from its snapshot answers as before: same webinars, registrants,
sessions and time, and the tokens it handed out still work."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sandbox.goto import SandboxClock, SandboxState, create_goto_sandbox, default_scenario
from sandbox.goto.snapshot import restore, snapshot

from .helpers import ALICE, G2W, POLL_WEBINAR, WEBINAR_APP, bearer, connect, refresh

LATER = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


def fresh_app(clock: SandboxClock) -> Starlette:
    return create_goto_sandbox(default_scenario(), clock=clock, rate_limit_per_second=None)


@pytest.fixture
async def restarted_client() -> AsyncIterator[tuple[SandboxState, httpx.AsyncClient]]:
    """A second sandbox, on a clock of its own, not yet restored."""
    app = fresh_app(SandboxClock(LATER, frozen=True))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://sandbox.test"
    ) as c:
        yield app.state.sandbox, c


def through_json(state: SandboxState) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(snapshot(state)))
    return data


async def test_a_restored_sandbox_answers_as_before_and_its_tokens_still_work(
    client: httpx.AsyncClient,
    sandbox: SandboxState,
    restarted_client: tuple[SandboxState, httpx.AsyncClient],
) -> None:
    tokens = await connect(client)
    # Bob registers, a session runs with him and ends, time moves on.
    registered = await client.post(
        f"{G2W}/organizers/{ALICE}/webinars/{POLL_WEBINAR}/registrants",
        json={"firstName": "Bob", "lastName": "Lee", "email": "bob.lee@example.com"},
        headers=bearer(tokens),
    )
    assert registered.status_code == 201, registered.text
    base = f"/_sandbox/webinars/{POLL_WEBINAR}/sessions"
    session = (await client.post(base, json={})).json()
    attended = await client.post(
        f"{base}/{session['sessionKey']}/attendees",
        json={"attendees": [{"email": "bob.lee@example.com", "minutes": 20}]},
    )
    assert attended.status_code == 200, attended.text
    assert (await client.post(f"{base}/{session['sessionKey']}/end")).status_code == 200
    await client.post("/_sandbox/clock", json={"advance_seconds": 7200})
    # A rotated refresh token is dead; the new one is what the bot holds.
    rotated = (await refresh(client, WEBINAR_APP, tokens["refresh_token"])).json()

    state, again = restarted_client
    assert state.dump() != sandbox.dump()
    assert restore(state, through_json(sandbox))
    assert state.dump() == sandbox.dump()
    assert snapshot(state) == snapshot(sandbox)

    listed = await again.get(
        f"{G2W}/organizers/{ALICE}/webinars/{POLL_WEBINAR}/registrants",
        headers=bearer(rotated),
    )
    assert listed.status_code == 200
    assert "bob.lee@example.com" in {r["email"] for r in listed.json()}
    assert (await refresh(again, WEBINAR_APP, tokens["refresh_token"])).status_code == 400
    renewed = await refresh(again, WEBINAR_APP, rotated["refresh_token"])
    assert renewed.status_code == 200, renewed.text


def test_a_running_clock_keeps_how_far_it_was_moved() -> None:
    moved = SandboxClock()
    moved.advance(2 * 86400)
    app = fresh_app(moved)
    data = json.loads(json.dumps(snapshot(app.state.sandbox)))
    second = fresh_app(SandboxClock())
    assert restore(second.state.sandbox, data)
    ahead = second.state.sandbox.clock.now() - datetime.now(UTC)
    assert timedelta(days=2) - timedelta(seconds=5) < ahead <= timedelta(days=2)
    assert not second.state.sandbox.clock.frozen


def test_an_unreadable_snapshot_changes_nothing(sandbox: SandboxState) -> None:
    other = fresh_app(SandboxClock(LATER, frozen=True)).state.sandbox
    before = other.dump()
    data = through_json(sandbox)
    registrants = next(w["registrants"] for w in data["webinars"] if w["registrants"])
    del registrants[0]["email"]
    with pytest.raises(KeyError):
        restore(other, data)
    assert other.dump() == before
    assert not restore(other, {**data, "version": 99})
    assert other.dump() == before
