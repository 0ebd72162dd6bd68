"""GoToTraining through the client: trainings, registrants and the attendance reports."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.goto import GoToClient, NotFound, RegistrationPending
from tests.goto_integration.conftest import (
    TRAINING_APP,
    TRUDY,
    Sandbox,
    StartSandbox,
    scenario_with,
)

EXCEL = "2234500001"
CANCELLED = "2234500002"
TOMS = "2234500003"
FIRST_AID = "2234500004"  # a completed session: dana 105 min in two parts, eli absent
G2T = f"/G2T/rest/organizers/{TRUDY}/trainings"


@pytest.fixture
async def trudy(sandbox: Sandbox) -> GoToClient:
    tokens = await sandbox.connect(TRAINING_APP, "trudy@example.com")
    assert tokens.organizer_key == TRUDY
    return await sandbox.client(tokens, app=TRAINING_APP)


async def test_get_training(trudy: GoToClient) -> None:
    training = await trudy.training.get_training(TRUDY, EXCEL)
    assert (training.training_key, training.training_id) == (EXCEL, "223450001")
    assert training.name == "Excel Foundations"
    assert training.time_zone == "Europe/London"
    assert len(training.times) == 3
    assert [t.end - t.start for t in training.times] == [timedelta(hours=2)] * 3
    assert training.times[1].start - training.times[0].start == timedelta(days=7)


async def test_register_then_register_again_fetches_the_join_url(
    sandbox: Sandbox, trudy: GoToClient
) -> None:
    created = await trudy.training.register(
        TRUDY, EXCEL, first_name="Pat", last_name="Lee", email="pat@example.org"
    )

    assert created.duplicate is False
    assert (created.email, created.first_name, created.last_name) == (
        "pat@example.org",
        "Pat",
        "Lee",
    )
    tail = f"/training/{EXCEL}/{created.registrant_key}"
    assert created.join_url == f"{sandbox.url}/_sandbox/join{tail}"
    assert created.confirmation_url == f"{sandbox.url}/_sandbox/confirmation{tail}"
    mark = await sandbox.mark()

    again = await trudy.training.register(
        TRUDY, EXCEL, first_name="Pat", last_name="Lee", email="pat@example.org"
    )

    assert again.duplicate is True
    assert (again.registrant_key, again.join_url) == (created.registrant_key, created.join_url)
    assert (again.email, again.first_name, again.status) == ("pat@example.org", "Pat", "APPROVED")
    # GoToTraining's 409 has the key but no join URL: the client fetched the registrant.
    calls = [(r["method"], r["path"], r["status"]) for r in await sandbox.requests(mark)]
    assert calls == [
        ("POST", f"{G2T}/{EXCEL}/registrants", 409),
        ("GET", f"{G2T}/{EXCEL}/registrants/{created.registrant_key}", 200),
    ]


async def test_reports_of_the_completed_training(trudy: GoToClient) -> None:
    [session] = await trudy.training.sessions(TRUDY, FIRST_AID)
    assert session.training_name == "First Aid Refresher"
    assert (session.duration_minutes, session.attendance_count) == (120, 1)
    assert session.end_time - session.start_time == timedelta(hours=2)

    attendees = await trudy.training.session_attendees(TRUDY, session.session_key)

    assert [(a.email, a.time_in_session_minutes, a.time_in_session_seconds) for a in attendees] == [
        ("dana@example.org", 105, 105 * 60),
        ("eli@example.org", 0, 0),  # absent registrants come last with 0
    ]
    dana = attendees[0]
    assert (dana.first_name, dana.last_name) == ("Dana", "Diaz")
    assert [p.time_in_part_of_session for p in dana.in_session_times] == [50, 55]
    assert dana.in_session_times[1].join_time - session.start_time == timedelta(minutes=60)


async def test_a_played_session_reaches_the_reports(sandbox: Sandbox, trudy: GoToClient) -> None:
    for email in ("pat@example.org", "quinn@example.org"):
        await trudy.training.register(
            TRUDY, EXCEL, first_name=email[:3].title(), last_name="Lee", email=email
        )
    started = await sandbox.control(
        "POST",
        f"trainings/{EXCEL}/sessions",
        {"start": "-2h", "attendees": [{"email": "pat@example.org", "minutes": 45}]},
        expect=201,
    )
    session_key = started["sessionKey"]
    assert await trudy.training.sessions(TRUDY, EXCEL) == []  # still live
    with pytest.raises(NotFound):
        await trudy.training.session_attendees(TRUDY, session_key)

    # Ends now: quinn registered before the end, so the report lists them as absent.
    await sandbox.control("POST", f"trainings/{EXCEL}/sessions/{session_key}/end", {})

    [session] = await trudy.training.sessions(TRUDY, EXCEL)
    assert (session.session_key, session.duration_minutes, session.attendance_count) == (
        session_key,
        120,
        1,
    )
    attendees = await trudy.training.session_attendees(TRUDY, session_key)
    assert [(a.email, a.time_in_session_seconds) for a in attendees] == [
        ("pat@example.org", 45 * 60),
        ("quinn@example.org", 0),
    ]


async def test_delete_registrant(sandbox: Sandbox, trudy: GoToClient) -> None:
    created = await trudy.training.register(
        TRUDY, EXCEL, first_name="Pat", last_name="Lee", email="pat@example.org"
    )
    assert await trudy.training.delete_registrant(TRUDY, EXCEL, created.registrant_key) is True
    assert (await sandbox.event("trainings", EXCEL))["registrants"] == []
    assert await trudy.training.find_registrant(TRUDY, EXCEL, "pat@example.org") is None
    assert await trudy.training.delete_registrant(TRUDY, EXCEL, created.registrant_key) is False


@pytest.mark.parametrize("key", ["2234599999", CANCELLED, TOMS])
async def test_unknown_cancelled_or_foreign_training_is_not_found(
    trudy: GoToClient, key: str
) -> None:
    with pytest.raises(NotFound) as caught:
        await trudy.training.get_training(TRUDY, key)
    assert (caught.value.kind, caught.value.key) == ("training", key)
    with pytest.raises(NotFound):
        await trudy.training.register(
            TRUDY, key, first_name="Pat", last_name="Lee", email="pat@example.org"
        )
    if key == CANCELLED:
        # Reports outlive a deleted training: its (here: no) completed sessions stay readable.
        assert await trudy.training.sessions(TRUDY, key) == []
    else:
        with pytest.raises(NotFound):
            await trudy.training.sessions(TRUDY, key)


async def test_the_training_app_sees_a_webinar_key_as_not_found(trudy: GoToClient) -> None:
    with pytest.raises(NotFound):
        await trudy.require_training(TRUDY, "1234500002")
    assert (await trudy.require_training(TRUDY, EXCEL)).name == "Excel Foundations"


async def test_a_repeated_registration_during_gotos_lag_says_the_link_is_pending(
    start_sandbox: StartSandbox,
) -> None:
    lagging = await start_sandbox(scenario_with(training_registrant_lag_seconds=7200))
    client = await lagging.client(
        await lagging.connect(TRAINING_APP, "trudy@example.com"), app=TRAINING_APP
    )
    created = await client.training.register(
        TRUDY, EXCEL, first_name="Pat", last_name="Lee", email="pat@example.org"
    )
    with pytest.raises(RegistrationPending) as caught:
        await client.training.register(
            TRUDY, EXCEL, first_name="Pat", last_name="Lee", email="pat@example.org"
        )
    assert caught.value.registrant_key == created.registrant_key
    assert "up to two hours" in str(caught.value)
    await lagging.advance(7201)
    again = await client.training.register(
        TRUDY, EXCEL, first_name="Pat", last_name="Lee", email="pat@example.org"
    )
    assert again.duplicate and again.join_url == created.join_url
