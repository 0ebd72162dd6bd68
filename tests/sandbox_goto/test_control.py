"""The /_sandbox control plane: clock, state dump, reset, settings, faults, join links."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from sandbox.goto import SandboxClock, SandboxState, default_scenario

from .conftest import START
from .helpers import (
    ALICE,
    G2W,
    POLL_WEBINAR,
    WEBINAR_APP,
    bearer,
    connect,
)

WEB = f"{G2W}/organizers/{ALICE}/webinars/{POLL_WEBINAR}"


async def test_clock_get_advance_set(client: httpx.AsyncClient, clock: SandboxClock) -> None:
    assert (await client.get("/_sandbox/clock")).json() == {"now": "2025-03-03T08:00:00Z"}
    moved = await client.post("/_sandbox/clock", json={"advance_seconds": 3600})
    assert moved.json() == {"now": "2025-03-03T09:00:00Z"}
    assert clock.now() == START.replace(hour=9)
    jumped = await client.post("/_sandbox/clock", json={"set": "2030-01-01T00:00:00Z"})
    assert jumped.json() == {"now": "2030-01-01T00:00:00Z"}
    bad = await client.post("/_sandbox/clock", json={"set": "tomorrow-ish"})
    assert bad.status_code == 400


def test_clock_object() -> None:
    ticks = iter([0.0, 0.0, 5.0, 5.0])
    clock = SandboxClock(START, monotonic=lambda: next(ticks))
    assert clock.now() == START
    assert (clock.now() - START).total_seconds() == 5.0
    frozen = SandboxClock(START, frozen=True)
    frozen.advance(-60)
    assert frozen.now() == START.replace(hour=7, minute=59)


async def test_state_dump_leaves_out_secrets(client: httpx.AsyncClient) -> None:
    tokens = await connect(client)
    text = (await client.get("/_sandbox/state")).text
    assert "demo-webinar-secret" not in text
    assert tokens["access_token"] not in text and tokens["refresh_token"] not in text
    state = (await client.get("/_sandbox/state")).json()
    assert state["connections"][0]["client_id"] == "demo-webinar-app"
    assert state["connections"][0]["live_access_tokens"] == 1
    assert {w["key"] for w in state["webinars"]} >= {POLL_WEBINAR}


async def test_reset_forgets_registrations_and_tokens(client: httpx.AsyncClient) -> None:
    headers = bearer(await connect(client))
    body = {"firstName": "A", "lastName": "B", "email": "ab@example.org"}
    assert (await client.post(f"{WEB}/registrants", json=body, headers=headers)).status_code == 201
    assert (await client.post("/_sandbox/reset")).json() == {"reset": True, "scenario": "default"}
    assert (await client.get(WEB, headers=headers)).status_code == 403
    headers = bearer(await connect(client))
    assert len((await client.get(f"{WEB}/registrants", headers=headers)).json()) == 1


async def test_reset_to_an_inline_scenario(client: httpx.AsyncClient) -> None:
    scenario = default_scenario().model_dump(mode="json")
    scenario["name"] = "tiny"
    scenario["webinars"] = scenario["webinars"][:1]
    assert (await client.post("/_sandbox/reset", json={"scenario": scenario})).json()[
        "scenario"
    ] == "tiny"
    broken = await client.post("/_sandbox/reset", json={"scenario": {"accounts": []}})
    assert broken.status_code == 400


async def test_settings_change_at_runtime(client: httpx.AsyncClient, sandbox: SandboxState) -> None:
    response = await client.post(
        "/_sandbox/settings", json={"token_includes_identity": False, "latency_seconds": 0}
    )
    assert response.json()["token_includes_identity"] is False
    assert "organizer_key" not in await connect(client)
    assert (await client.post("/_sandbox/settings", json={"nope": 1})).status_code == 400


async def test_faults_fail_the_next_matching_requests(app: Starlette) -> None:
    # 503 is not in GoTo's spec, so this client skips the contract hook.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://sandbox.test"
    ) as raw:
        headers = bearer(await connect(raw))
        added = await raw.post(
            "/_sandbox/faults", json={"status": 503, "count": 2, "path_contains": "/webinars/"}
        )
        assert added.status_code == 201
        first = await raw.get(WEB, headers=headers)
        assert first.status_code == 503
        assert first.json()["errorCode"] == "ServiceUnavailable"
        assert (await raw.get(WEB, headers=headers)).status_code == 503
        assert (await raw.get(WEB, headers=headers)).status_code == 200
        await raw.post("/_sandbox/faults", json={"status": 429})
        throttled = await raw.get(WEB, headers=headers)
        assert (throttled.status_code, throttled.json()) == (429, {"message": "Too Many Requests"})
        await raw.post("/_sandbox/faults", json={"status": 500, "count": 5})
        assert (await raw.delete("/_sandbox/faults")).status_code == 204
        assert (await raw.get(WEB, headers=headers)).status_code == 200


async def test_request_log(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    await client.get(WEB, headers=alice)
    await client.get(WEB)
    log = (await client.get("/_sandbox/requests")).json()["requests"]
    api = [r for r in log if r["path"] == WEB]
    assert [(r["status"], r["client_id"]) for r in api] == [
        (200, "demo-webinar-app"),
        (403, None),
    ]
    assert any(r["path"] == "/oauth/token" for r in log)
    assert not any(r["path"].startswith("/_sandbox") for r in log)


async def test_join_link_records_attendance_in_a_live_session(
    client: httpx.AsyncClient, alice: dict[str, str], clock: SandboxClock
) -> None:
    body = {"firstName": "Jo", "lastName": "Ina", "email": "jo@example.org"}
    created = (await client.post(f"{WEB}/registrants", json=body, headers=alice)).json()
    join_path = created["joinUrl"].removeprefix("http://sandbox.test")
    early = await client.get(join_path)
    assert early.status_code == 200 and "not started" in early.text
    session = (await client.post(f"/_sandbox/webinars/{POLL_WEBINAR}/sessions")).json()
    clock.advance(600)
    joined = await client.get(join_path)
    assert "You are now in the live session" in joined.text
    clock.advance(1200)
    ended = (
        await client.post(f"/_sandbox/webinars/{POLL_WEBINAR}/sessions/{session['sessionKey']}/end")
    ).json()
    assert ended["attendees"] == [
        {
            "registrantKey": str(created["registrantKey"]),
            "email": "jo@example.org",
            "attendanceTimeInSeconds": 1200,
            "poll_answers": {},
        }
    ]
    assert (await client.get("/_sandbox/join/webinar/1/2")).status_code == 404


async def test_control_errors(client: httpx.AsyncClient) -> None:
    base = f"/_sandbox/webinars/{POLL_WEBINAR}/sessions"
    assert (await client.post("/_sandbox/webinars/1/sessions")).status_code == 404
    assert (await client.post("/_sandbox/meetings/1/sessions")).status_code == 404
    assert (await client.post(base, json={"polls": ["Nope?"]})).status_code == 409
    assert (await client.post(base, json={"bogus": True})).status_code == 400
    stranger = {"attendees": [{"email": "nobody@example.org", "minutes": 5}]}
    assert (await client.post(base, json=stranger)).status_code == 409
    session = (await client.post(base)).json()["sessionKey"]
    assert (await client.post(base)).status_code == 409  # one live session at a time
    unlaunched = {
        "attendees": [{"email": "dana@example.org", "minutes": 5, "poll_answers": {"Nope?": "x"}}]
    }
    assert (await client.post(f"{base}/{session}/attendees", json=unlaunched)).status_code == 409
    both = {"attendees": [{"email": "dana@example.org"}]}
    assert (await client.post(f"{base}/{session}/attendees", json=both)).status_code == 400
    assert (await client.post(f"{base}/{session}/end")).status_code == 200
    assert (await client.post(f"{base}/{session}/end")).status_code == 409
    late = {"attendees": [{"email": "dana@example.org", "minutes": 5, "joined_after_minutes": 1}]}
    assert (await client.post(f"{base}/{session}/attendees", json=late)).status_code == 409
    assert (await client.post(f"{base}/999/end")).status_code == 404
    training = "/_sandbox/trainings/2234500001/sessions"
    assert (await client.post(training, json={"polls": ["Q?"]})).status_code == 409


async def test_cancel_via_control(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    await client.post(f"/_sandbox/webinars/{POLL_WEBINAR}/cancel", json={})
    assert (await client.get(WEB, headers=alice)).status_code == 404
    await client.post(f"/_sandbox/webinars/{POLL_WEBINAR}/cancel", json={"cancelled": False})
    assert (await client.get(WEB, headers=alice)).status_code == 200


async def test_unknown_paths_answer_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/rest/v1/me")
    assert response.status_code == 404
    assert "no GET" in response.json()["description"]
    assert (await client.put("/oauth/token")).status_code == 405


async def test_connect_helper_uses_the_demo_secret(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=WEBINAR_APP,
    )
    assert response.json()["error"] == "invalid_grant"  # authenticated, just a bad token
