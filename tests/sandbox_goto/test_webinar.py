"""GoToWebinar v2 behaviour: webinars, registration rules, sessions, attendance, polls, paging."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from sandbox.goto import SandboxClock, SandboxState

from .helpers import (
    ALICE,
    CANCELLED_WEBINAR,
    G2W,
    PAST_WEBINAR,
    POLL_WEBINAR,
    SECURITY_WEBINAR,
    SMALL_WEBINAR,
    bearer,
    connect,
)

ORG = f"{G2W}/organizers/{ALICE}"


def webinar_url(key: str) -> str:
    return f"{ORG}/webinars/{key}"


async def register(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    key: str,
    email: str,
    **extra: Any,
) -> httpx.Response:
    body = {"firstName": "Pat", "lastName": "Lee", "email": email, **extra}
    return await client.post(f"{webinar_url(key)}/registrants", json=body, headers=headers)


async def test_get_webinar(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    response = await client.get(webinar_url(POLL_WEBINAR), headers=alice)
    assert response.status_code == 200
    webinar = response.json()
    assert webinar["webinarKey"] == int(POLL_WEBINAR)
    assert webinar["subject"] == "Product Training: Quarterly Update"
    assert webinar["organizerKey"] == int(ALICE)
    assert webinar["organizerEmail"] == "alice@example.com"
    assert webinar["inSession"] is False
    assert webinar["numberOfRegistrants"] == 1


async def test_unknown_and_cancelled_webinars_are_404(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    for key in ("9999999999", CANCELLED_WEBINAR, "not-a-key"):
        response = await client.get(webinar_url(key), headers=alice)
        assert response.status_code == 404
        body = response.json()
        assert set(body) == {"errorCode", "description", "incident"}
    registrants = await client.get(f"{webinar_url(CANCELLED_WEBINAR)}/registrants", headers=alice)
    assert registrants.status_code == 404


async def test_register_list_get_delete(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    created = await register(client, alice, POLL_WEBINAR, "pat@example.org")
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"registrantKey", "joinUrl", "status"}
    assert body["status"] == "APPROVED"
    key = body["registrantKey"]
    assert isinstance(key, int)
    assert body["joinUrl"] == f"http://sandbox.test/_sandbox/join/webinar/{POLL_WEBINAR}/{key}"

    listed = (await client.get(f"{webinar_url(POLL_WEBINAR)}/registrants", headers=alice)).json()
    assert {r["email"] for r in listed} == {"dana@example.org", "pat@example.org"}

    detail = await client.get(f"{webinar_url(POLL_WEBINAR)}/registrants/{key}", headers=alice)
    assert detail.status_code == 200
    assert detail.json()["email"] == "pat@example.org"
    assert detail.json()["type"] == "REGULAR"

    deleted = await client.delete(f"{webinar_url(POLL_WEBINAR)}/registrants/{key}", headers=alice)
    assert deleted.status_code == 204
    gone = await client.get(f"{webinar_url(POLL_WEBINAR)}/registrants/{key}", headers=alice)
    assert gone.status_code == 404


async def test_duplicate_registration_is_409_with_key_and_join_url(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    first = (await register(client, alice, POLL_WEBINAR, "sam@example.org")).json()
    again = await register(client, alice, POLL_WEBINAR, "SAM@example.org")
    assert again.status_code == 409
    body = again.json()
    assert body["registrantKey"] == first["registrantKey"]
    assert body["joinUrl"] == first["joinUrl"]
    assert body["errorCode"] == "DuplicateRegistrant"


async def test_registration_fields_say_what_is_required(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.get(
        f"{webinar_url(SECURITY_WEBINAR)}/registrants/fields", headers=alice
    )
    assert response.status_code == 200
    body = response.json()
    required_fields = {f["field"] for f in body["fields"] if f["required"]}
    assert required_fields == {"firstName", "lastName", "email", "organization"}
    questions = {q["question"]: q for q in body["questions"]}
    assert questions["What is your role?"]["required"] is True
    assert questions["What is your role?"]["type"] == "multipleChoice"
    assert [a["answer"] for a in questions["What is your role?"]["answers"]] == [
        "Engineer",
        "Manager",
        "Other",
    ]


async def test_basic_registration_on_a_webinar_with_required_questions_is_400(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await register(client, alice, SECURITY_WEBINAR, "pat@example.org")
    assert response.status_code == 400
    description = response.json()["description"]
    for name in ("organization", "What is your role?", "Employee ID"):
        assert name in description


async def test_full_registration_with_answers(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    fields = (
        await client.get(f"{webinar_url(SECURITY_WEBINAR)}/registrants/fields", headers=alice)
    ).json()
    role = next(q for q in fields["questions"] if q["question"] == "What is your role?")
    manager = next(a["answerKey"] for a in role["answers"] if a["answer"] == "Manager")
    response = await register(
        client,
        alice,
        SECURITY_WEBINAR,
        "pat@example.org",
        organization="Acme",
        responses=[
            {"questionKey": role["questionKey"], "answerKey": manager},
            {"questionKey": 7002, "responseText": "E-123"},
        ],
    )
    assert response.status_code == 201, response.text
    key = response.json()["registrantKey"]
    detail = (
        await client.get(f"{webinar_url(SECURITY_WEBINAR)}/registrants/{key}", headers=alice)
    ).json()
    assert detail["organization"] == "Acme"
    assert {"question": "What is your role?", "answer": "Manager"} in detail["responses"]


async def test_v1_1_media_type_registers_basic_fields_only(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.post(
        f"{webinar_url(SECURITY_WEBINAR)}/registrants",
        json={
            "firstName": "Pat",
            "lastName": "Lee",
            "email": "pat@example.org",
            "organization": "Acme",
            "responses": [{"questionKey": 7002, "responseText": "E-1"}],
        },
        headers={**alice, "Accept": "application/vnd.citrix.g2wapi-v1.1+json"},
    )
    assert response.status_code == 400


async def test_registration_needs_names_and_a_valid_email(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    url = f"{webinar_url(POLL_WEBINAR)}/registrants"
    missing = await client.post(url, json={"email": "a@example.org"}, headers=alice)
    assert missing.status_code == 400
    assert "firstName" in missing.json()["description"]
    bad_email = await register(client, alice, POLL_WEBINAR, "not-an-email")
    assert bad_email.status_code == 400
    not_json = await client.post(url, content=b"{", headers=alice)
    assert not_json.status_code == 400


async def test_registration_limit(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    assert (await register(client, alice, SMALL_WEBINAR, "one@example.org")).status_code == 201
    assert (await register(client, alice, SMALL_WEBINAR, "two@example.org")).status_code == 201
    full = await register(client, alice, SMALL_WEBINAR, "three@example.org")
    assert full.status_code == 400
    assert "limit" in full.json()["description"]
    # An existing registrant still gets the duplicate answer, not "full".
    assert (await register(client, alice, SMALL_WEBINAR, "two@example.org")).status_code == 409
    webinar = (await client.get(webinar_url(SMALL_WEBINAR), headers=alice)).json()
    assert (webinar["numberOfRegistrants"], webinar["registrationLimit"]) == (2, 2)


async def test_registrants_of_past_webinars_cannot_be_deleted(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    listed = (await client.get(f"{webinar_url(PAST_WEBINAR)}/registrants", headers=alice)).json()
    key = listed[0]["registrantKey"]
    response = await client.delete(f"{webinar_url(PAST_WEBINAR)}/registrants/{key}", headers=alice)
    assert response.status_code == 400


async def test_list_webinars_needs_a_time_range(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    assert (await client.get(f"{ORG}/webinars", headers=alice)).status_code == 400
    response = await client.get(
        f"{ORG}/webinars",
        params={"fromTime": "2025-01-01T00:00:00Z", "toTime": "2026-01-01T00:00:00Z", "size": 2},
        headers=alice,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["page"]["totalElements"] == 4  # alice's, without the cancelled one
    assert body["page"]["totalPages"] == 2
    assert len(body["_embedded"]["webinars"]) == 2


async def test_the_completed_webinar_reports(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    sessions = (await client.get(f"{webinar_url(PAST_WEBINAR)}/sessions", headers=alice)).json()
    [session] = sessions["_embedded"]["sessionInfoResources"]
    assert session["totalPollCount"] == 2
    assert session["registrantsAttended"] == 2
    base = f"{webinar_url(PAST_WEBINAR)}/sessions/{session['sessionKey']}"
    attendees = (await client.get(f"{base}/attendees", headers=alice)).json()
    seconds = {a["email"]: a["attendanceTimeInSeconds"] for a in attendees}
    assert seconds == {"dana@example.org": 55 * 60, "eli@example.org": 20 * 60}
    eli = next(a for a in attendees if a["email"] == "eli@example.org")
    polls = (
        await client.get(f"{base}/attendees/{eli['registrantKey']}/polls", headers=alice)
    ).json()
    assert polls == [{"question": "Did you know the new travel policy?", "answers": ["No"]}]
    performance = (await client.get(f"{base}/performance", headers=alice)).json()
    assert performance["pollsAndSurveys"]["pollCount"] == 2


async def test_live_session_driven_by_control_endpoints(
    client: httpx.AsyncClient, alice: dict[str, str], clock: SandboxClock
) -> None:
    url = webinar_url(POLL_WEBINAR)
    keys = {}
    for email in ("ann@example.org", "ben@example.org", "cid@example.org"):
        keys[email] = (await register(client, alice, POLL_WEBINAR, email)).json()["registrantKey"]

    started = await client.post(f"/_sandbox/webinars/{POLL_WEBINAR}/sessions", json={})
    assert started.status_code == 201
    session_key = started.json()["sessionKey"]
    assert (await client.get(url, headers=alice)).json()["inSession"] is True
    # GoTo reports only ended sessions.
    assert (await client.get(f"{url}/sessions", headers=alice)).json()["page"]["totalElements"] == 0
    live = await client.get(f"{url}/sessions/{session_key}/attendees", headers=alice)
    assert live.status_code == 404

    await client.post(
        f"/_sandbox/webinars/{POLL_WEBINAR}/sessions/{session_key}/attendees",
        json={
            "attendees": [
                {"email": "ann@example.org", "minutes": 80, "answer_all_polls": True},
                {
                    "email": "ben@example.org",
                    "parts": [
                        {"joined_after_minutes": 0, "minutes": 10},
                        {"joined_after_minutes": 30, "minutes": 15},
                    ],
                    "poll_answers": {
                        "Which feature will you use first?": "Alerts",
                        "Would you recommend this session?": ["Yes"],
                    },
                },
            ]
        },
    )
    clock.advance(85 * 60)
    ended = await client.post(
        f"/_sandbox/webinars/{POLL_WEBINAR}/sessions/{session_key}/end", json={}
    )
    assert ended.status_code == 200
    assert ended.json()["endTime"] == "2025-03-03T09:25:00Z"
    # 85 minutes passed: the old access token has expired, as it would have at GoTo.
    assert (await client.get(url, headers=alice)).status_code == 403
    alice = bearer(await connect(client))

    sessions = (await client.get(f"{url}/sessions", headers=alice)).json()
    [info] = sessions["_embedded"]["sessionInfoResources"]
    assert info["sessionKey"] == session_key
    assert info["totalPollCount"] == 3
    assert info["registrantsAttended"] == 2

    attendees = (await client.get(f"{url}/sessions/{session_key}/attendees", headers=alice)).json()
    by_email = {a["email"]: a for a in attendees}
    assert set(by_email) == {"ann@example.org", "ben@example.org"}
    assert by_email["ann@example.org"]["attendanceTimeInSeconds"] == 80 * 60
    assert by_email["ben@example.org"]["attendanceTimeInSeconds"] == 25 * 60
    assert len(by_email["ben@example.org"]["attendance"]) == 2

    ann = keys["ann@example.org"]
    one = await client.get(f"{url}/sessions/{session_key}/attendees/{ann}", headers=alice)
    assert one.status_code == 200
    assert one.json()["email"] == "ann@example.org"
    absent = keys["cid@example.org"]
    missing = await client.get(f"{url}/sessions/{session_key}/attendees/{absent}", headers=alice)
    assert missing.status_code == 404

    ann_polls = (
        await client.get(f"{url}/sessions/{session_key}/attendees/{ann}/polls", headers=alice)
    ).json()
    assert len(ann_polls) == 3
    ben_polls = (
        await client.get(
            f"{url}/sessions/{session_key}/attendees/{keys['ben@example.org']}/polls",
            headers=alice,
        )
    ).json()
    assert {p["question"] for p in ben_polls} == {
        "Which feature will you use first?",
        "Would you recommend this session?",
    }

    polls = (await client.get(f"{url}/sessions/{session_key}/polls", headers=alice)).json()
    feature = next(p for p in polls if p["question"] == "Which feature will you use first?")
    assert feature["numberOfResponses"] == 2
    assert {r["text"]: r["percentage"] for r in feature["responses"]} == {
        "Reports": 50.0,
        "Alerts": 50.0,
        "Sharing": 0.0,
    }

    performance = (
        await client.get(f"{url}/sessions/{session_key}/performance", headers=alice)
    ).json()
    assert performance["pollsAndSurveys"]["pollCount"] == 3
    assert performance["pollsAndSurveys"]["percentagePollsCompleted"] == round(500 / 6, 2)
    overall = (await client.get(f"{url}/performance", headers=alice)).json()
    assert set(overall) == {session_key}

    all_attendees = (await client.get(f"{url}/attendees", headers=alice)).json()
    assert all_attendees["page"]["totalElements"] == 2


async def test_report_delay_hides_fresh_sessions(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    sandbox: SandboxState,
    clock: SandboxClock,
) -> None:
    sandbox.settings.report_delay_seconds = 600
    await client.post(
        f"/_sandbox/webinars/{POLL_WEBINAR}/sessions",
        json={"start": "-1h", "duration_minutes": 60},
    )
    url = f"{webinar_url(POLL_WEBINAR)}/sessions"
    assert (await client.get(url, headers=alice)).json()["page"]["totalElements"] == 0
    clock.advance(601)
    assert (await client.get(url, headers=alice)).json()["page"]["totalElements"] == 1


async def test_webinar_attendees_are_paged(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    emails = [f"p{i:02d}@example.org" for i in range(25)]
    for email in emails:
        assert (await register(client, alice, POLL_WEBINAR, email)).status_code == 201
    played = await client.post(
        f"/_sandbox/webinars/{POLL_WEBINAR}/sessions",
        json={
            "start": "-2h",
            "duration_minutes": 60,
            "attendees": [{"email": e, "minutes": 30} for e in emails],
        },
    )
    assert played.status_code == 201
    url = f"{webinar_url(POLL_WEBINAR)}/attendees"
    first = (await client.get(url, headers=alice)).json()
    assert first["page"] == {"size": 20, "totalElements": 25, "totalPages": 2, "number": 0}
    assert len(first["_embedded"]["attendeeParticipationResponses"]) == 20
    second = (await client.get(url, params={"page": 1}, headers=alice)).json()
    assert len(second["_embedded"]["attendeeParticipationResponses"]) == 5
    beyond = (await client.get(url, params={"page": 5}, headers=alice)).json()
    assert beyond["_embedded"]["attendeeParticipationResponses"] == []
    big = (await client.get(url, params={"size": 200}, headers=alice)).json()
    assert big["page"]["totalPages"] == 1
    for params in ({"size": 201}, {"size": 0}, {"page": -1}, {"size": "ten"}):
        response = await client.get(url, params=params, headers=alice)
        assert response.status_code == 400, params


async def test_sessions_list_is_paged(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    for day in range(3):
        await client.post(
            f"/_sandbox/webinars/{POLL_WEBINAR}/sessions",
            json={"start": f"-{day + 1}d", "duration_minutes": 30},
        )
    url = f"{webinar_url(POLL_WEBINAR)}/sessions"
    page = (await client.get(url, params={"size": 2, "page": 1}, headers=alice)).json()
    assert page["page"] == {"size": 2, "totalElements": 3, "totalPages": 2, "number": 1}
    assert len(page["_embedded"]["sessionInfoResources"]) == 1
    assert (await client.get(url, params={"size": 500}, headers=alice)).status_code == 400


async def test_empty_pages_can_omit_embedded_like_spring_hateoas(
    app: Starlette, alice: dict[str, str], sandbox: SandboxState
) -> None:
    # Deliberately off-spec (opt-in), so this uses a client without the contract check.
    url = f"{webinar_url(POLL_WEBINAR)}/sessions"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://sandbox.test"
    ) as raw:
        assert "_embedded" in (await raw.get(url, headers=alice)).json()
        sandbox.settings.omit_empty_embedded = True
        response = (await raw.get(url, headers=alice)).json()
    assert "_embedded" not in response
    assert response["page"]["totalElements"] == 0


async def test_unknown_session_is_404(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    base = f"{webinar_url(PAST_WEBINAR)}/sessions/12345"
    for tail in ("/attendees", "/polls", "/performance", "/attendees/1/polls"):
        assert (await client.get(base + tail, headers=alice)).status_code == 404
