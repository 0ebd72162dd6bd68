"""Creating and listing upcoming webinars and trainings in the sandbox, through GoTo's API and /_sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from sandbox.goto import SandboxClock

from .conftest import START
from .helpers import ALICE, G2T, G2W, TRAINING_APP, TRUDY, bearer, connect

WEBINARS = f"{G2W}/organizers/{ALICE}/webinars"
TRAININGS = f"{G2T}/organizers/{TRUDY}/trainings"


def z(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def webinar_times(start: datetime, minutes: int = 60) -> list[dict[str, str]]:
    return [{"startTime": z(start), "endTime": z(start + timedelta(minutes=minutes))}]


def training_times(start: datetime, minutes: int = 60) -> list[dict[str, str]]:
    return [{"startDate": z(start), "endDate": z(start + timedelta(minutes=minutes))}]


async def listed_webinars(
    client: httpx.AsyncClient, headers: dict[str, str], days: int = 30
) -> list[dict[str, Any]]:
    window: dict[str, str | int] = {
        "fromTime": z(START),
        "toTime": z(START + timedelta(days=days)),
        "size": 200,
    }
    response = await client.get(WEBINARS, params=window, headers=headers)
    assert response.status_code == 200
    return list(response.json()["_embedded"]["webinars"])


async def test_a_created_webinar_is_fetchable_and_listed(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    start = START + timedelta(days=20, hours=6)
    created = await client.post(
        WEBINARS,
        json={"subject": "Kick-off", "times": webinar_times(start, 90)},
        headers=alice,
    )
    assert created.status_code == 201
    key = created.json()["webinarKey"]
    assert isinstance(key, str) and key.isdigit()

    webinar = (await client.get(f"{WEBINARS}/{key}", headers=alice)).json()
    assert webinar["subject"] == "Kick-off"
    assert webinar["times"] == webinar_times(start, 90)
    # No timeZone sent: the organizer's profile time zone, as the spec says.
    assert webinar["timeZone"] == "Europe/Berlin"
    assert (webinar["numberOfRegistrants"], webinar["registrationLimit"]) == (0, 1000)
    listed = await listed_webinars(client, alice)
    assert [w["subject"] for w in listed][-1] == "Kick-off"
    # Registering works at once.
    person = {"firstName": "Pat", "lastName": "Lee", "email": "pat@example.org"}
    assert (
        await client.post(f"{WEBINARS}/{key}/registrants", json=person, headers=alice)
    ).status_code == 201


async def test_webinar_creation_refusals(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    soon = START + timedelta(days=1)
    before = len(await listed_webinars(client, alice))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"times": webinar_times(soon)}, "subject"),
        ({"subject": "x" * 129, "times": webinar_times(soon)}, "128"),
        ({"subject": "Past", "times": webinar_times(START - timedelta(hours=1))}, "future"),
        (
            {
                "subject": "Backwards",
                "times": [{"startTime": z(soon), "endTime": z(soon - timedelta(hours=1))}],
            },
            "after",
        ),
        ({"subject": "Two", "times": webinar_times(soon) * 2}, "exactly one"),
        ({"subject": "Zone", "times": webinar_times(soon), "timeZone": "Nowhere/Land"}, "timeZone"),
        ({"subject": "Series", "times": webinar_times(soon), "type": "series"}, "single_session"),
    ]
    for body, says in cases:
        response = await client.post(WEBINARS, json=body, headers=alice)
        assert response.status_code == 400, body
        assert says in response.json()["description"], body
    others = f"{G2W}/organizers/1000000002/webinars"
    response = await client.post(
        others, json={"subject": "Not hers", "times": webinar_times(soon)}, headers=alice
    )
    assert response.status_code == 403
    assert len(await listed_webinars(client, alice)) == before  # nothing was created


async def test_a_created_training_is_fetchable_and_listed(
    client: httpx.AsyncClient, trudy: dict[str, str]
) -> None:
    start = START + timedelta(days=2, hours=3)
    created = await client.post(
        TRAININGS,
        json={
            "name": "Spreadsheets 2",
            "description": "The sequel.",
            "timeZone": "Europe/London",
            "times": training_times(start, 120),
            "registrationSettings": {
                "disableConfirmationEmail": True,
                "disableWebRegistration": False,
            },
        },
        headers=trudy,
    )
    assert created.status_code == 201
    key = created.json()
    # GoToTraining answers the key itself, as a JSON string.
    assert isinstance(key, str) and key.isdigit()
    training = (await client.get(f"{TRAININGS}/{key}", headers=trudy)).json()
    assert (training["name"], training["description"], training["timeZone"]) == (
        "Spreadsheets 2",
        "The sequel.",
        "Europe/London",
    )
    assert training["times"] == training_times(start, 120)
    listed = (await client.get(TRAININGS, headers=trudy)).json()
    assert key in {t["trainingKey"] for t in listed}


async def test_training_creation_needs_a_time_zone(
    client: httpx.AsyncClient, trudy: dict[str, str]
) -> None:
    body = {"name": "No zone", "times": training_times(START + timedelta(days=1))}
    response = await client.post(TRAININGS, json=body, headers=trudy)
    assert response.status_code == 400
    assert "timeZone" in response.json()["description"]
    response = await client.post(
        TRAININGS, json={**body, "timeZone": "UTC", "times": []}, headers=trudy
    )
    assert response.status_code == 400
    assert len((await client.get(TRAININGS, headers=trudy)).json()) == 2


async def test_control_plane_adds_upcoming_events(
    client: httpx.AsyncClient, alice: dict[str, str], trudy: dict[str, str]
) -> None:
    added = await client.post(
        "/_sandbox/webinars",
        json={
            "organizer": "alice@example.com",
            "subject": "Added by a test",
            "times": [{"start": "+4d@12:00", "duration_minutes": 30}],
            "registration_limit": 1,
        },
    )
    assert added.status_code == 201
    key = added.json()["key"]
    webinar = (await client.get(f"{WEBINARS}/{key}", headers=alice)).json()
    assert (webinar["subject"], webinar["registrationLimit"], webinar["timeZone"]) == (
        "Added by a test",
        1,
        "Europe/Berlin",
    )
    assert "Added by a test" in {w["subject"] for w in await listed_webinars(client, alice)}
    # The limit holds: the second registration is refused the way GoTo does.
    first = {"firstName": "A", "lastName": "B", "email": "a@example.org"}
    second = {"firstName": "C", "lastName": "D", "email": "c@example.org"}
    assert (
        await client.post(f"{WEBINARS}/{key}/registrants", json=first, headers=alice)
    ).status_code == 201
    full = await client.post(f"{WEBINARS}/{key}/registrants", json=second, headers=alice)
    assert full.status_code == 400

    training = await client.post(
        "/_sandbox/trainings",
        json={
            "organizer": "trudy@example.com",
            "subject": "Added training",
            "times": [{"start": "+2d@09:00", "duration_minutes": 60}],
            "time_zone": "Europe/London",
        },
    )
    assert training.status_code == 201
    listed = (await client.get(TRAININGS, headers=trudy)).json()
    assert training.json()["key"] in {t["trainingKey"] for t in listed}


async def test_control_plane_refuses_what_cannot_be(client: httpx.AsyncClient) -> None:
    one = [{"start": "+1d@09:00"}]
    cases = [
        ("/_sandbox/webinars", {"organizer": "nobody@example.com", "subject": "S", "times": one}),
        (
            "/_sandbox/trainings",
            {
                "organizer": "trudy@example.com",
                "subject": "S",
                "times": one,
                "registration_limit": 3,
            },
        ),
        (
            "/_sandbox/webinars",
            {
                "organizer": "alice@example.com",
                "subject": "S",
                "times": [{"start": "+1d@09:00", "duration_minutes": -5}],
            },
        ),
        ("/_sandbox/webinars", {"organizer": "alice@example.com", "subject": "S", "times": []}),
    ]
    for path, body in cases:
        response = await client.post(path, json=body)
        assert response.status_code == 400, body
    assert (await client.post("/_sandbox/meetings", json={})).status_code == 404


async def test_trainings_that_end_leave_the_list(
    client: httpx.AsyncClient, clock: SandboxClock
) -> None:
    tom = bearer(await connect(client, TRAINING_APP, "tom@example.com"))
    url = f"{G2T}/organizers/2000000002/trainings"
    names = [t["name"] for t in (await client.get(url, headers=tom)).json()]
    assert sorted(names) == ["Presenting with Confidence", "Public Speaking Basics"]
    clock.advance(6 * 24 * 3600)
    # The access token has long expired by then: sign in again.
    tom = bearer(await connect(client, TRAINING_APP, "tom@example.com"))
    names = [t["name"] for t in (await client.get(url, headers=tom)).json()]
    assert names == ["Presenting with Confidence"]
