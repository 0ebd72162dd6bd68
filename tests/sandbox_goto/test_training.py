"""GoToTraining behaviour: trainings, registration (409 without join URL), attendance reports."""

from __future__ import annotations

import httpx

from sandbox.goto import SandboxClock, SandboxState

from .helpers import CANCELLED_TRAINING, EXCEL_TRAINING, G2T, PAST_TRAINING, TRUDY

ORG = f"{G2T}/organizers/{TRUDY}"
REPORTS = f"{G2T}/reports/organizers/{TRUDY}"


def training_url(key: str) -> str:
    return f"{ORG}/trainings/{key}"


async def register(
    client: httpx.AsyncClient, headers: dict[str, str], key: str, email: str
) -> httpx.Response:
    return await client.post(
        f"{training_url(key)}/registrants",
        json={"email": email, "givenName": "Pat", "surname": "Lee"},
        headers=headers,
    )


def is_goto_training_error(body: dict[str, object]) -> bool:
    return {"errorCode", "description", "incident"} <= set(body)


async def test_get_and_list_trainings(client: httpx.AsyncClient, trudy: dict[str, str]) -> None:
    response = await client.get(training_url(EXCEL_TRAINING), headers=trudy)
    assert response.status_code == 200
    training = response.json()
    assert training["trainingKey"] == EXCEL_TRAINING
    assert training["name"] == "Excel Foundations"
    assert len(training["times"]) == 3
    assert training["organizers"][0]["email"] == "trudy@example.com"
    listed = (await client.get(f"{ORG}/trainings", headers=trudy)).json()
    # Scheduled only: neither the cancelled nor the completed training.
    assert {t["trainingKey"] for t in listed} == {EXCEL_TRAINING, "2234500006"}


async def test_unknown_and_cancelled_trainings_are_404(
    client: httpx.AsyncClient, trudy: dict[str, str]
) -> None:
    for key in ("1", CANCELLED_TRAINING):
        response = await client.get(training_url(key), headers=trudy)
        assert response.status_code == 404
        assert is_goto_training_error(response.json())


async def test_register_get_list_delete(client: httpx.AsyncClient, trudy: dict[str, str]) -> None:
    created = await register(client, trudy, EXCEL_TRAINING, "pat@example.org")
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"joinUrl", "confirmationUrl", "registrantKey"}
    key = body["registrantKey"]
    assert isinstance(key, str) and key.isdigit()
    one = await client.get(f"{training_url(EXCEL_TRAINING)}/registrants/{key}", headers=trudy)
    assert one.status_code == 200
    assert one.json()["joinUrl"] == body["joinUrl"]
    assert one.json()["status"] == "APPROVED"
    listed = (await client.get(f"{training_url(EXCEL_TRAINING)}/registrants", headers=trudy)).json()
    assert [r["email"] for r in listed] == ["pat@example.org"]
    deleted = await client.delete(
        f"{training_url(EXCEL_TRAINING)}/registrants/{key}", headers=trudy
    )
    assert deleted.status_code == 204
    again = await client.get(f"{training_url(EXCEL_TRAINING)}/registrants/{key}", headers=trudy)
    assert again.status_code == 404


async def test_duplicate_is_409_duplicate_registrant_without_join_url(
    client: httpx.AsyncClient, trudy: dict[str, str]
) -> None:
    first = (await register(client, trudy, EXCEL_TRAINING, "sam@example.org")).json()
    again = await register(client, trudy, EXCEL_TRAINING, "Sam@Example.org")
    assert again.status_code == 409
    body = again.json()
    assert body["errorCode"] == "DuplicateRegistrant"
    assert is_goto_training_error(body)
    assert "joinUrl" not in body
    assert str(body["registrantKey"]) == first["registrantKey"]
    # The documented way out: fetch the registrant for the join URL.
    fetched = await client.get(
        f"{training_url(EXCEL_TRAINING)}/registrants/{body['registrantKey']}", headers=trudy
    )
    assert fetched.json()["joinUrl"] == first["joinUrl"]


async def test_registration_needs_all_fields(
    client: httpx.AsyncClient, trudy: dict[str, str]
) -> None:
    response = await client.post(
        f"{training_url(EXCEL_TRAINING)}/registrants",
        json={"email": "pat@example.org"},
        headers=trudy,
    )
    assert response.status_code == 400
    assert is_goto_training_error(response.json())
    assert "givenName" in response.json()["description"]
    cancelled = await register(client, trudy, CANCELLED_TRAINING, "pat@example.org")
    assert cancelled.status_code == 404


async def test_registrant_cache_lag(
    client: httpx.AsyncClient,
    trudy: dict[str, str],
    sandbox: SandboxState,
    clock: SandboxClock,
) -> None:
    sandbox.settings.training_registrant_lag_seconds = 600
    key = (await register(client, trudy, EXCEL_TRAINING, "pat@example.org")).json()["registrantKey"]
    url = f"{training_url(EXCEL_TRAINING)}/registrants/{key}"
    assert (await client.get(url, headers=trudy)).status_code == 404
    clock.advance(601)
    assert (await client.get(url, headers=trudy)).status_code == 200


async def test_completed_training_reports(client: httpx.AsyncClient, trudy: dict[str, str]) -> None:
    sessions = (await client.get(f"{REPORTS}/trainings/{PAST_TRAINING}", headers=trudy)).json()
    [session] = sessions
    assert session["trainingName"] == "First Aid Refresher"
    assert session["duration"] == 120
    assert session["attendanceCount"] == 1
    attendees = (
        await client.get(f"{REPORTS}/sessions/{session['sessionKey']}/attendees", headers=trudy)
    ).json()
    assert [a["email"] for a in attendees] == ["dana@example.org", "eli@example.org"]
    dana, eli = attendees
    assert dana["timeInSession"] == 105
    assert [p["timeInPartOfSession"] for p in dana["inSessionTimes"]] == [50, 55]
    assert "registrantKey" not in dana
    # Absent registrants come last with timeInSession 0.
    assert (eli["timeInSession"], eli["inSessionTimes"]) == (0, [])


async def test_live_training_session_via_control_endpoints(
    client: httpx.AsyncClient, trudy: dict[str, str], clock: SandboxClock
) -> None:
    for email in ("ann@example.org", "ben@example.org"):
        assert (await register(client, trudy, EXCEL_TRAINING, email)).status_code == 201
    started = await client.post(f"/_sandbox/trainings/{EXCEL_TRAINING}/sessions", json={})
    assert started.status_code == 201
    session_key = started.json()["sessionKey"]
    assert (
        await client.get(f"{REPORTS}/sessions/{session_key}/attendees", headers=trudy)
    ).status_code == 404  # not in the reports while running
    await client.post(
        f"/_sandbox/trainings/{EXCEL_TRAINING}/sessions/{session_key}/attendees",
        json={"attendees": [{"email": "ann@example.org", "minutes": 45.5}]},
    )
    clock.advance(50 * 60)
    await client.post(f"/_sandbox/trainings/{EXCEL_TRAINING}/sessions/{session_key}/end")
    attendees = (
        await client.get(f"{REPORTS}/sessions/{session_key}/attendees", headers=trudy)
    ).json()
    assert [(a["email"], a["timeInSession"]) for a in attendees] == [
        ("ann@example.org", 45),
        ("ben@example.org", 0),
    ]
    sessions = (await client.get(f"{REPORTS}/trainings/{EXCEL_TRAINING}", headers=trudy)).json()
    assert [s["sessionKey"] for s in sessions] == [session_key]
    assert sessions[0]["duration"] == 50


async def test_reports_outlive_cancellation(
    client: httpx.AsyncClient, trudy: dict[str, str]
) -> None:
    await client.post(f"/_sandbox/trainings/{PAST_TRAINING}/cancel", json={"cancelled": True})
    assert (await client.get(training_url(PAST_TRAINING), headers=trudy)).status_code == 404
    sessions = await client.get(f"{REPORTS}/trainings/{PAST_TRAINING}", headers=trudy)
    assert sessions.status_code == 200 and len(sessions.json()) == 1


async def test_training_session_attendees_of_another_organizer_are_404(
    client: httpx.AsyncClient, trudy: dict[str, str], sandbox: SandboxState
) -> None:
    [session] = sandbox.trainings[int(PAST_TRAINING)].sessions
    tom = f"{G2T}/reports/organizers/2000000002/sessions/{session.session_key}/attendees"
    assert (await client.get(tom, headers=trudy)).status_code == 403
    unknown = await client.get(f"{REPORTS}/sessions/424242/attendees", headers=trudy)
    assert unknown.status_code == 404
