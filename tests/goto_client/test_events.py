"""Upcoming events, creating events, a full webinar and the session check, against spec shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.goto import (
    CreationOutcomeUnknown,
    EventFull,
    EventNotCreated,
    EventStatus,
    RegistrationRefused,
)
from tests.goto_client import bodies
from tests.goto_client.conftest import ClientFactory, FakeTime, GoToMock, Reply

OK_ = bodies.ORGANIZER
WK, TK = bodies.WEBINAR_KEY, bodies.TRAINING_KEY
W = f"/organizers/{OK_}/webinars"
T = f"/organizers/{OK_}/trainings"


def z(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- upcoming events --------------------------------------------------------------------


async def test_upcoming_webinars_follow_every_page_with_the_time_range(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    now = clock.now()
    later = z(now + timedelta(days=3))
    later_end = z(now + timedelta(days=3, hours=1))
    soon = z(now + timedelta(days=1))
    soon_end = z(now + timedelta(days=1, hours=1))
    route = goto.on(
        "GET",
        goto.webinar_url(W),
        Reply(
            200,
            bodies.page("webinars", [bodies.webinar_item(111, "Later", later, later_end)], 0, 2),
        ),
        Reply(
            200,
            bodies.page("webinars", [bodies.webinar_item(222, "Sooner", soon, soon_end)], 1, 2),
        ),
    )

    events = await make_client().upcoming_events("webinar", OK_, now=now, days=30)

    assert [(e.key, e.subject, e.product) for e in events] == [
        ("222", "Sooner", "webinar"),
        ("111", "Later", "webinar"),
    ]
    assert events[0].start == now + timedelta(days=1)
    assert events[0].time_zone == "Europe/Brussels"
    # The list carries no registration limit; the session check fetches it.
    assert events[0].registration_limit is None
    assert not events[0].cancelled
    sent = [dict(call.request.url.params) for call in route.calls]
    window = {"fromTime": z(now), "toTime": z(now + timedelta(days=30))}
    assert sent == [{**window, "page": "0", "size": "200"}, {**window, "page": "1", "size": "200"}]


async def test_an_empty_webinar_list_is_no_events(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    goto.on(
        "GET",
        goto.webinar_url(W),
        Reply(200, {"page": {"size": 200, "totalElements": 0, "totalPages": 0, "number": 0}}),
        off_spec="GoTo leaves _embedded out of an empty page",
    )
    assert await make_client().upcoming_events("webinar", OK_, now=clock.now()) == []


async def test_upcoming_trainings_leave_out_ended_ones_and_come_soonest_first(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    now = clock.now()
    goto.on(
        "GET",
        goto.training_url(T),
        Reply(
            200,
            [
                bodies.training(
                    301, "Second", z(now + timedelta(days=5)), z(now + timedelta(days=5, hours=2))
                ),
                bodies.training(
                    302, "Over", z(now - timedelta(days=1)), z(now - timedelta(hours=20))
                ),
                bodies.training(
                    303, "First", z(now + timedelta(hours=2)), z(now + timedelta(hours=3))
                ),
            ],
        ),
    )
    events = await make_client().upcoming_events("training", OK_, now=now)
    assert [(e.key, e.subject, e.product) for e in events] == [
        ("303", "First", "training"),
        ("301", "Second", "training"),
    ]
    assert events[0].registration_limit is None


# --- creating events --------------------------------------------------------------------


START = datetime(2025, 2, 3, 14, 0, tzinfo=UTC)
END = START + timedelta(hours=1)


async def test_create_webinar_sends_one_single_session_and_returns_its_key(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    route = goto.on("POST", goto.webinar_url(W), Reply(201, {"webinarKey": "8000000000000000008"}))
    key = await make_client().create_event(
        "webinar",
        OK_,
        subject="Onboarding 101",
        start=START,
        end=END,
        time_zone="Europe/Brussels",
    )
    assert key == "8000000000000000008"
    assert json.loads(route.calls.last.request.content) == {
        "subject": "Onboarding 101",
        "times": [{"startTime": "2025-02-03T14:00:00Z", "endTime": "2025-02-03T15:00:00Z"}],
        "timeZone": "Europe/Brussels",
        "type": "single_session",
    }


async def test_create_training_sends_goto_trainings_shape(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    route = goto.on("POST", goto.training_url(T), Reply(201, "4000000000000000009"))
    key = await make_client().create_event(
        "training",
        OK_,
        subject="Safety training",
        start=START.astimezone(),  # any zone: GoTo gets UTC
        end=END,
        time_zone="Europe/London",
        description="Yearly refresher",
    )
    assert key == "4000000000000000009"
    assert json.loads(route.calls.last.request.content) == {
        "name": "Safety training",
        "description": "Yearly refresher",
        "timeZone": "Europe/London",
        "times": [{"startDate": "2025-02-03T14:00:00Z", "endDate": "2025-02-03T15:00:00Z"}],
        "registrationSettings": {
            "disableConfirmationEmail": False,
            "disableWebRegistration": False,
        },
    }


async def test_a_refused_creation_says_why(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on(
        "POST",
        goto.webinar_url(W),
        Reply(
            400, {"errorCode": "InvalidRequest", "description": "The times must be in the future."}
        ),
    )
    with pytest.raises(EventNotCreated) as caught:
        await make_client().webinar.create_webinar(
            OK_, subject="Late", start=START, end=END, time_zone="UTC"
        )
    assert str(caught.value) == "GoTo did not create the webinar: The times must be in the future."


@pytest.mark.parametrize(
    "outcome", [Reply(503), httpx.ReadTimeout("read timed out")], ids=["5xx", "timeout"]
)
async def test_a_creation_whose_answer_is_lost_is_not_resent(
    goto: GoToMock, make_client: ClientFactory, outcome: Reply | Exception
) -> None:
    route = goto.on("POST", goto.training_url(T), outcome, Reply(201, "4000000000000000009"))
    with pytest.raises(CreationOutcomeUnknown) as caught:
        await make_client().training.create_training(
            OK_, name="Safety", start=START, end=END, time_zone="UTC"
        )
    # A resend could schedule the training twice.
    assert route.call_count == 1
    assert "may exist now" in str(caught.value)
    assert "upcoming trainings" in str(caught.value)


async def test_a_creation_turned_away_by_the_rate_limit_is_resent(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    route = goto.on(
        "POST",
        goto.webinar_url(W),
        Reply(429, {"message": "Too Many Requests"}),
        Reply(201, {"webinarKey": "8000000000000000008"}),
        off_spec="GoTo's 429 is not in the spec",
    )
    key = await make_client().webinar.create_webinar(
        OK_, subject="S", start=START, end=END, time_zone="UTC"
    )
    assert (key, route.call_count) == ("8000000000000000008", 2)


# --- a full webinar ---------------------------------------------------------------------

# A registration form asking for nothing beyond name and email.
BASIC_FORM = {
    "fields": [
        {"field": name, "required": True, "maxSize": 128}
        for name in ("firstName", "lastName", "email")
    ],
    "questions": [],
}


async def test_a_full_webinar_is_told_apart_from_other_refusals(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    wk = f"{W}/{WK}"
    goto.on("POST", goto.webinar_url(f"{wk}/registrants"), Reply(400, {"description": "No."}))
    goto.on(
        "GET",
        goto.webinar_url(f"{wk}/registrants/fields"),
        Reply(200, BASIC_FORM),
    )
    webinar = goto.on(
        "GET",
        goto.webinar_url(wk),
        Reply(200, bodies.webinar(registrants=25, limit=25)),
        Reply(200, bodies.webinar(registrants=24, limit=25)),
    )
    client = make_client()
    with pytest.raises(EventFull) as caught:
        await client.webinar.create_registrant(
            OK_, WK, first_name="Ada", last_name="L", email="ada@example.com"
        )
    assert str(caught.value) == (
        f"The webinar {WK} is full on GoTo: it takes at most 25 registrations."
    )
    assert caught.value.limit == 25
    # Below the limit, GoTo's own reason is passed on.
    with pytest.raises(RegistrationRefused) as other:
        await client.webinar.create_registrant(
            OK_, WK, first_name="Ada", last_name="L", email="ada@example.com"
        )
    assert not isinstance(other.value, EventFull)
    assert str(other.value) == f"GoTo refused the registration for {WK}: No."
    assert webinar.call_count == 2


# --- the session check ------------------------------------------------------------------


async def test_check_an_upcoming_webinar_takes_one_call(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    now = clock.now()
    route = goto.on(
        "GET",
        goto.webinar_url(f"{W}/{WK}"),
        Reply(
            200,
            bodies.webinar(
                start=z(now + timedelta(days=2)),
                end=z(now + timedelta(days=2, hours=1)),
                registrants=4,
                limit=5,
            ),
        ),
    )
    check = await make_client().check_event("webinar", OK_, f" {WK} ", now=now)
    assert check.status is EventStatus.UPCOMING and check.usable
    assert check.event is not None
    assert (check.event.subject, check.event.registration_limit, check.event.full) == (
        "Onboarding 101",
        5,
        False,
    )
    assert check.event.start == now + timedelta(days=2)
    assert route.call_count == 1


async def test_check_a_webinar_that_took_place(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    now = clock.now()
    goto.on(
        "GET",
        goto.webinar_url(f"{W}/{WK}"),
        Reply(
            200,
            bodies.webinar(
                start=z(now - timedelta(days=2)),
                end=z(now - timedelta(days=2) + timedelta(hours=1)),
            ),
        ),
    )
    check = await make_client().check_event("webinar", OK_, WK, now=now)
    assert check.status is EventStatus.ENDED and not check.usable
    assert check.message == f"The webinar {WK} has already taken place: pick an upcoming webinar."


async def test_check_a_training_key_on_a_webinar_location(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    goto.on("GET", goto.webinar_url(f"{W}/{TK}"), Reply(404))
    goto.on("GET", goto.training_url(f"{T}/{TK}"), Reply(200, bodies.training()))
    check = await make_client().check_event("webinar", OK_, TK, now=clock.now())
    assert (check.status, check.actual) == (EventStatus.WRONG_PRODUCT, "training")
    assert check.message == (
        f"The key {TK} looks like a GoToTraining key, but this location uses GoToWebinar."
    )


async def test_check_a_webinar_key_on_a_training_location(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    goto.on("GET", goto.training_url(f"{T}/{WK}"), Reply(404))
    goto.on("GET", goto.webinar_url(f"{W}/{WK}"), Reply(200, bodies.webinar()))
    check = await make_client().check_event("training", OK_, WK, now=clock.now())
    assert (check.status, check.actual) == (EventStatus.WRONG_PRODUCT, "webinar")


async def test_check_an_unknown_key(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    missing = 9000000000000000009
    webinar = goto.on("GET", goto.webinar_url(f"{W}/{missing}"), Reply(404))
    training = goto.on("GET", goto.training_url(f"{T}/{missing}"), Reply(404))
    check = await make_client().check_event("webinar", OK_, missing, now=clock.now())
    assert check.status is EventStatus.NOT_FOUND and check.event is None
    assert check.message.startswith(f"GoTo has no webinar with key {missing} on this account")
    assert (webinar.call_count, training.call_count) == (1, 1)


async def test_check_typed_text_that_is_no_key_asks_nobody_and_is_not_echoed(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    check = await make_client().check_event("training", OK_, "<!channel> 12-34", now=clock.now())
    assert check.status is EventStatus.NOT_FOUND
    assert "<!channel>" not in check.message
    assert check.message.startswith("GoTo has no training with that key on this account")
    assert not goto.router.calls


async def test_a_webinar_goto_marks_cancelled_is_neither_offered_nor_usable(
    goto: GoToMock, make_client: ClientFactory, clock: FakeTime
) -> None:
    now = clock.now()
    start, end = z(now + timedelta(days=1)), z(now + timedelta(days=1, hours=1))
    listed = [
        {**bodies.webinar_item(111, "Kept", start, end), "status": "NEW"},
        {**bodies.webinar_item(222, "Dropped", start, end), "status": "CANCELLED"},
    ]
    reason = "the spec requires a status on list items but defines none: a guess"
    goto.on(
        "GET",
        goto.webinar_url(W),
        Reply(200, bodies.page("webinars", listed, 0, 1)),
        off_spec=reason,
    )
    goto.on(
        "GET",
        goto.webinar_url(f"{W}/222"),
        Reply(200, {**bodies.webinar(222, start=start, end=end), "status": "Canceled"}),
        off_spec=reason,
    )
    client = make_client()
    assert [e.key for e in await client.upcoming_events("webinar", OK_, now=now)] == ["111"]
    check = await client.check_event("webinar", OK_, 222, now=now)
    assert check.status is EventStatus.ENDED
    assert check.message == "The webinar 222 was cancelled on GoTo: pick another webinar."
