"""Sessions played through the sandbox's control plane, read back through the client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.goto import GoToClient, NotFound, answered_polls, question_key
from tests.goto_integration.conftest import (
    ALICE,
    WEBINAR_APP,
    Sandbox,
    StartSandbox,
    scenario_with,
)

PRODUCT = "1234500002"
PAST = "1234500006"
FAMILIAR = "How familiar are you with the new dashboard?"
FEATURE = "Which feature will you use first?"
RECOMMEND = "Would you recommend this session?"
G2W = f"/G2W/rest/v2/organizers/{ALICE}/webinars"


@pytest.fixture
async def alice(sandbox: Sandbox) -> GoToClient:
    return await sandbox.client(await sandbox.connect(WEBINAR_APP, "alice@example.com"))


async def register(client: GoToClient, webinar: str, *emails: str) -> dict[str, str]:
    """Register people; email → registrantKey."""
    keys = {}
    for email in emails:
        name = email.split("@")[0]
        created = await client.webinar.create_registrant(
            ALICE, webinar, first_name=name.title(), last_name="Tester", email=email
        )
        keys[email] = created.registrant_key
    return keys


async def test_a_played_session_reads_back_attendance_and_polls(
    sandbox: Sandbox, alice: GoToClient
) -> None:
    keys = await register(
        alice, PRODUCT, "pat@example.org", "quinn@example.org", "rory@example.org"
    )
    dana = await alice.webinar.find_registrant(ALICE, PRODUCT, "dana@example.org")
    assert dana is not None
    keys["dana@example.org"] = dana.registrant_key

    started = await sandbox.control(
        "POST", f"webinars/{PRODUCT}/sessions", {"start": "-90m"}, expect=201
    )
    session_key = started["sessionKey"]
    assert started["endTime"] is None
    assert (await alice.webinar.get_webinar(ALICE, PRODUCT)).in_session is True
    # A live session is not in the reports yet.
    assert await alice.webinar.sessions(ALICE, PRODUCT) == []
    with pytest.raises(NotFound):
        await alice.webinar.session_attendees(ALICE, PRODUCT, session_key)

    attendees: list[dict[str, Any]] = [
        {"email": "dana@example.org", "minutes": 55, "answer_all_polls": True},
        {"email": "pat@example.org", "minutes": 30, "poll_answers": {FEATURE: "Alerts"}},
        {
            "email": "quinn@example.org",
            "parts": [
                {"joined_after_minutes": 0, "minutes": 10},
                {"joined_after_minutes": 20, "minutes": 15},
            ],
        },
    ]
    await sandbox.control(
        "POST", f"webinars/{PRODUCT}/sessions/{session_key}/attendees", {"attendees": attendees}
    )
    ended = await sandbox.control(
        "POST", f"webinars/{PRODUCT}/sessions/{session_key}/end", {"duration_minutes": 60}
    )
    assert ended["endTime"] is not None

    [session] = await alice.webinar.sessions(ALICE, PRODUCT)
    assert session.session_key == session_key
    assert session.end_time - session.start_time == timedelta(minutes=60)
    assert (session.registrants_attended, session.total_poll_count) == (3, 3)

    seen = await alice.webinar.session_attendees(ALICE, PRODUCT, session_key)
    assert {a.email: a.attendance_time_in_seconds for a in seen} == {
        "dana@example.org": 55 * 60,
        "pat@example.org": 30 * 60,
        "quinn@example.org": 25 * 60,
    }
    assert {a.email: a.registrant_key for a in seen} == {
        e: k for e, k in keys.items() if e != "rory@example.org"
    }
    quinn = next(a for a in seen if a.email == "quinn@example.org")
    assert [p.leave_time - p.join_time for p in quinn.attendance] == [
        timedelta(minutes=10),
        timedelta(minutes=15),
    ]
    assert quinn.attendance[1].join_time - session.start_time == timedelta(minutes=20)

    polls = await alice.webinar.session_polls(ALICE, PRODUCT, session_key)
    assert [(p.question, p.number_of_responses) for p in polls] == [
        (FAMILIAR, 1),
        (FEATURE, 2),
        (RECOMMEND, 1),
    ]
    feature = polls[1]
    assert {o.text: o.percentage for o in feature.responses} == {
        "Reports": 50.0,
        "Alerts": 50.0,
        "Sharing": 0.0,
    }
    assert await alice.webinar.session_poll_count(ALICE, PRODUCT, session_key) == 3

    answered = {}
    for email in ("dana@example.org", "pat@example.org", "quinn@example.org"):
        answers = await alice.webinar.attendee_poll_answers(
            ALICE, PRODUCT, session_key, keys[email]
        )
        answered[email] = answered_polls(polls, answers)
    assert answered == {
        "dana@example.org": {question_key(q) for q in (FAMILIAR, FEATURE, RECOMMEND)},
        "pat@example.org": {question_key(FEATURE)},
        "quinn@example.org": set(),
    }
    pat_answers = await alice.webinar.attendee_poll_answers(
        ALICE, PRODUCT, session_key, keys["pat@example.org"]
    )
    assert [(a.question, a.answers) for a in pat_answers] == [(FEATURE, ["Alerts"])]
    # Rory registered but never came.
    with pytest.raises(NotFound):
        await alice.webinar.attendee_poll_answers(
            ALICE, PRODUCT, session_key, keys["rory@example.org"]
        )


async def test_two_sessions_with_different_polls(sandbox: Sandbox, alice: GoToClient) -> None:
    keys = await register(alice, PRODUCT, "pat@example.org")
    first = await sandbox.control(
        "POST",
        f"webinars/{PRODUCT}/sessions",
        {
            "start": "-3h",
            "duration_minutes": 60,
            "attendees": [{"email": "pat@example.org", "minutes": 40, "answer_all_polls": True}],
        },
        expect=201,
    )
    second = await sandbox.control(
        "POST",
        f"webinars/{PRODUCT}/sessions",
        {
            "start": "-1h",
            "polls": [RECOMMEND],
            "duration_minutes": 45,
            "attendees": [
                {"email": "pat@example.org", "minutes": 45, "poll_answers": {RECOMMEND: "No"}},
                {"email": "dana@example.org", "minutes": 5},
            ],
        },
        expect=201,
    )

    sessions = await alice.webinar.sessions(ALICE, PRODUCT)
    assert [(s.session_key, s.total_poll_count, s.registrants_attended) for s in sessions] == [
        (first["sessionKey"], 3, 1),
        (second["sessionKey"], 1, 2),
    ]
    assert await alice.webinar.session_poll_count(ALICE, PRODUCT, second["sessionKey"]) == 1
    polls = await alice.webinar.session_polls(ALICE, PRODUCT, second["sessionKey"])
    assert [p.question for p in polls] == [RECOMMEND]
    answers = await alice.webinar.attendee_poll_answers(
        ALICE, PRODUCT, second["sessionKey"], keys["pat@example.org"]
    )
    assert answered_polls(polls, answers) == {question_key(RECOMMEND)}
    assert [a.answers for a in answers] == [["No"]]

    everyone = await alice.webinar.webinar_attendees(ALICE, PRODUCT)
    assert sorted((a.session_key, a.email, a.attendance_time_in_seconds) for a in everyone) == (
        sorted(
            [
                (first["sessionKey"], "pat@example.org", 2400),
                (second["sessionKey"], "pat@example.org", 2700),
                (second["sessionKey"], "dana@example.org", 300),
            ]
        )
    )


async def test_the_seeded_past_webinar(alice: GoToClient) -> None:
    [session] = await alice.webinar.sessions(ALICE, PAST)
    attendees = await alice.webinar.session_attendees(ALICE, PAST, session.session_key)
    assert {a.email: a.attendance_time_in_seconds for a in attendees} == {
        "dana@example.org": 55 * 60,
        "eli@example.org": 20 * 60,
    }
    polls = await alice.webinar.session_polls(ALICE, PAST, session.session_key)
    assert session.total_poll_count == len(polls) == 2
    by_email = {a.email: a.registrant_key for a in attendees}
    eli = await alice.webinar.attendee_poll_answers(
        ALICE, PAST, session.session_key, by_email["eli@example.org"]
    )
    assert answered_polls(polls, eli) == {question_key("Did you know the new travel policy?")}


def crowd(count: int) -> list[dict[str, str]]:
    return [
        {"email": f"p{i:03d}@example.org", "first_name": f"P{i}", "last_name": "Crowd"}
        for i in range(count)
    ]


async def test_webinar_level_lists_are_read_across_pages(start_sandbox: StartSandbox) -> None:
    # The client asks for pages of 200 (GoTo's maximum), so paging needs more than 200 rows:
    # 45 people x 5 sessions = 225 attendee rows, and a webinar with 201 sessions.
    people = crowd(45)
    busy = {
        "webinar_key": 1234509001,
        "organizer": "alice@example.com",
        "subject": "Busy",
        "times": [{"start": "-10d@09:00", "duration_minutes": 60}],
        "registrants": people,
        "sessions": [
            {
                "start": f"-{day}d@09:00",
                "duration_minutes": 60,
                "attendees": [
                    {"email": p["email"], "minutes": 1 + (i + day) % 50}
                    for i, p in enumerate(people)
                ],
            }
            for day in range(1, 6)
        ],
    }
    many = {
        "webinar_key": 1234509002,
        "organizer": "alice@example.com",
        "subject": "Daily stand-up",
        "times": [{"start": "-300d@08:00", "duration_minutes": 15}],
        "registrants": people[:1],
        "sessions": [
            {
                "start": f"-{day}d@08:00",
                "duration_minutes": 15,
                "attendees": [{"email": people[0]["email"], "minutes": 10}],
            }
            for day in range(1, 202)
        ],
    }
    sandbox = await start_sandbox(scenario_with(extra_webinars=[busy, many]))
    alice = await sandbox.client(await sandbox.connect(WEBINAR_APP, "alice@example.com"))
    mark = await sandbox.mark()

    everyone = await alice.webinar.webinar_attendees(ALICE, 1234509001)
    sessions = await alice.webinar.sessions(ALICE, 1234509002)
    first_session = everyone[0].session_key
    assert first_session is not None
    one_session = await alice.webinar.session_attendees(ALICE, 1234509001, first_session)
    all_sessions = await alice.webinar.sessions(ALICE, 1234509001)
    all_attendees = await alice.webinar.webinar_attendees(ALICE, 1234509002)

    assert len(everyone) == 225
    assert len({(a.session_key, a.registrant_key) for a in everyone}) == 225
    assert sum(a.attendance_time_in_seconds for a in everyone) == 60 * sum(
        1 + (i + day) % 50 for i in range(45) for day in range(1, 6)
    )
    assert len(sessions) == 201
    assert len({s.session_key for s in sessions}) == 201
    assert len(one_session) == 45
    assert len(all_sessions) == 5
    assert len(all_attendees) == 201
    calls = [r["path"].rsplit("/", 2)[-2:] for r in await sandbox.requests(mark)]
    assert calls == [
        ["1234509001", "attendees"],
        ["1234509001", "attendees"],  # page 1 of 0..1
        ["1234509002", "sessions"],
        ["1234509002", "sessions"],
        [first_session, "attendees"],  # session attendees: one plain array
        ["1234509001", "sessions"],
        ["1234509002", "attendees"],
        ["1234509002", "attendees"],
    ]


async def test_empty_pages_without_embedded_are_empty_lists(
    sandbox: Sandbox, alice: GoToClient
) -> None:
    # GoTo's HAL answers may leave `_embedded` out when a list is empty.
    await sandbox.control("POST", "settings", {"omit_empty_embedded": True})
    assert await alice.webinar.sessions(ALICE, PRODUCT) == []
    assert await alice.webinar.webinar_attendees(ALICE, PRODUCT) == []
