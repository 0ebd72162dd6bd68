"""TrainingClient against spec-shaped answers, and telling the two products' keys apart."""

from __future__ import annotations

import json

import pytest

from bot.goto import NotFound, WrongProduct
from tests.goto_client import bodies
from tests.goto_client.conftest import ClientFactory, GoToMock, Reply

OK_ = bodies.ORGANIZER
TK = bodies.TRAINING_KEY
RK = bodies.REGISTRANT_KEY
T = f"/organizers/{OK_}/trainings/{TK}"


async def test_get_training(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on("GET", goto.training_url(T), Reply(200, bodies.training()))
    training = await make_client().training.get_training(OK_, TK)
    assert training.training_key == str(TK)
    assert training.name == "Safety training"
    assert training.times[0].start.isoformat() == "2025-01-06T09:00:00+00:00"


async def test_register(goto: GoToMock, make_client: ClientFactory) -> None:
    route = goto.on(
        "POST", goto.training_url(f"{T}/registrants"), Reply(201, bodies.training_created())
    )
    registrant = await make_client().training.register(
        OK_, TK, first_name="Ada", last_name="Lovelace", email="ada@example.com"
    )
    assert json.loads(route.calls.last.request.content) == {
        "email": "ada@example.com",
        "givenName": "Ada",
        "surname": "Lovelace",
    }
    assert registrant.registrant_key == str(RK)
    assert registrant.join_url.endswith(str(RK))
    assert not registrant.duplicate


async def test_409_duplicate_fetches_join_url(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on(
        "POST",
        goto.training_url(f"{T}/registrants"),
        Reply(
            409,
            {
                "errorCode": "DuplicateRegistrant",
                "description": "Registrant already exists",
                "incident": "abc",
                "registrantKey": RK,
            },
        ),
    )
    get = goto.on(
        "GET", goto.training_url(f"{T}/registrants/{RK}"), Reply(200, bodies.training_registrant())
    )
    registrant = await make_client().training.register(
        OK_, TK, first_name="Ada", last_name="Lovelace", email="ada@example.com"
    )
    assert get.call_count == 1
    assert registrant.duplicate
    assert registrant.join_url.endswith(str(RK))
    assert (registrant.first_name, registrant.last_name) == ("Ada", "Lovelace")


async def test_409_without_key_looks_up_by_email(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    goto.on("POST", goto.training_url(f"{T}/registrants"), Reply(409, {"errorCode": "Dup"}))
    goto.on(
        "GET",
        goto.training_url(f"{T}/registrants"),
        Reply(200, [bodies.training_registrant(RK, "ADA@example.com")]),
    )
    goto.on(
        "GET", goto.training_url(f"{T}/registrants/{RK}"), Reply(200, bodies.training_registrant())
    )
    registrant = await make_client().training.register(
        OK_, TK, first_name="Ada", last_name="Lovelace", email="ada@example.com"
    )
    assert registrant.duplicate
    assert registrant.registrant_key == str(RK)


async def test_404_training(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on("GET", goto.training_url(T), Reply(404, {"errorCode": "NotFound"}))
    with pytest.raises(NotFound, match=str(TK)):
        await make_client().training.get_training(OK_, TK)


async def test_delete_registrant(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on("DELETE", goto.training_url(f"{T}/registrants/{RK}"), Reply(204))
    assert await make_client().training.delete_registrant(OK_, TK, RK) is True


async def test_sessions_and_attendance_in_minutes(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    sk = bodies.TRAINING_SESSION_KEY
    goto.on(
        "GET",
        goto.training_url(f"/reports/organizers/{OK_}/trainings/{TK}"),
        Reply(200, [bodies.training_session()]),
    )
    goto.on(
        "GET",
        goto.training_url(f"/reports/organizers/{OK_}/sessions/{sk}/attendees"),
        Reply(200, [bodies.training_attendee(minutes=55), bodies.training_attendee("b@x.io", 0)]),
    )
    client = make_client()
    sessions = await client.training.sessions(OK_, TK)
    assert [(s.session_key, s.duration_minutes) for s in sessions] == [(str(sk), 60)]
    attendees = await client.training.session_attendees(OK_, sessions[0].session_key)
    assert [(a.email, a.time_in_session_seconds) for a in attendees] == [
        ("ada@example.com", 3300),
        ("b@x.io", 0),
    ]


async def test_training_key_on_webinar_location_is_wrong_product(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    goto.on(
        "GET",
        goto.webinar_url(f"/organizers/{OK_}/webinars/{TK}"),
        Reply(404, {"errorCode": "NotFound"}),
    )
    goto.on("GET", goto.training_url(T), Reply(200, bodies.training()))
    client = make_client()
    assert await client.detect_product(OK_, TK) == "training"
    with pytest.raises(WrongProduct) as caught:
        await client.require_webinar(OK_, TK)
    assert "looks like a GoToTraining key" in str(caught.value)
    assert (caught.value.expected, caught.value.actual) == ("webinar", "training")


async def test_webinar_key_on_training_location_is_wrong_product(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    wk = bodies.WEBINAR_KEY
    goto.on("GET", goto.training_url(f"/organizers/{OK_}/trainings/{wk}"), Reply(404))
    goto.on(
        "GET", goto.webinar_url(f"/organizers/{OK_}/webinars/{wk}"), Reply(200, bodies.webinar())
    )
    client = make_client()
    with pytest.raises(WrongProduct, match="looks like a GoToWebinar key"):
        await client.require_training(OK_, wk)
    assert await client.detect_product(OK_, wk) == "webinar"


async def test_unknown_key_stays_not_found(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on("GET", goto.webinar_url(f"/organizers/{OK_}/webinars/{TK}"), Reply(404))
    goto.on("GET", goto.training_url(T), Reply(403, {"errorCode": "Forbidden"}))
    client = make_client()
    with pytest.raises(NotFound):
        await client.require_webinar(OK_, TK)
    assert await client.detect_product(OK_, TK) is None


async def test_forbidden_webinar_api_still_detects_training_key(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    # An account without GoToWebinar gets 403 from the webinar API rather than 404.
    goto.on(
        "GET",
        goto.webinar_url(f"/organizers/{OK_}/webinars/{TK}"),
        Reply(403, {"errorCode": "Forbidden"}),
    )
    goto.on("GET", goto.training_url(T), Reply(200, bodies.training()))
    with pytest.raises(WrongProduct):
        await make_client().require_webinar(OK_, TK)
