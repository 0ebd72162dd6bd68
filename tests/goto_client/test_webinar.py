"""WebinarClient against spec-shaped answers: registration, 409/400/404, paging, polls."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from bot.goto import (
    EventFull,
    GoToError,
    NotFound,
    RegistrationNeedsFields,
    UnexpectedResponse,
    answered_polls,
)
from bot.goto.models import Poll, PollAnswer
from tests.goto_client import bodies
from tests.goto_client.conftest import ClientFactory, GoToMock, Reply
from tests.goto_client.spec import WEBINAR, component_schema, validate

OK_ = bodies.ORGANIZER
WK = bodies.WEBINAR_KEY
SK = bodies.SESSION_KEY
RK = bodies.REGISTRANT_KEY
W = f"/organizers/{OK_}/webinars/{WK}"


def page_of(request: httpx.Request) -> int:
    return int(request.url.params.get("page", "0"))


async def test_get_webinar(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on("GET", goto.webinar_url(W), Reply(200, bodies.webinar()))
    webinar = await make_client().webinar.get_webinar(OK_, str(WK))
    assert webinar.webinar_key == str(WK)
    assert webinar.subject == "Onboarding 101"
    assert webinar.times[0].start == datetime(2025, 1, 6, 9, tzinfo=UTC)
    assert webinar.webinar_id == "123456789"


async def test_404_is_not_found_naming_the_key(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on("GET", goto.webinar_url(W), Reply(404, {"errorCode": "NotFound"}))
    with pytest.raises(NotFound) as caught:
        await make_client().webinar.get_webinar(OK_, WK)
    assert str(WK) in str(caught.value)
    assert caught.value.kind == "webinar"


async def test_key_that_is_not_a_number_is_not_found_without_calling(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    with pytest.raises(NotFound, match="123-456-789"):
        await make_client().webinar.get_webinar(OK_, "123-456-789")
    assert goto.router.calls.call_count == 0


async def test_missing_required_field_is_a_clear_error(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    body = bodies.webinar()
    del body["subject"]
    goto.on("GET", goto.webinar_url(W), Reply(200, body), off_spec="subject removed on purpose")
    with pytest.raises(UnexpectedResponse) as caught:
        await make_client().webinar.get_webinar(OK_, WK)
    assert caught.value.field == "subject"
    assert "subject" in str(caught.value)


async def test_create_registrant(goto: GoToMock, make_client: ClientFactory) -> None:
    route = goto.on(
        "POST", goto.webinar_url(f"{W}/registrants"), Reply(201, bodies.registrant_created())
    )
    registrant = await make_client().webinar.create_registrant(
        OK_,
        WK,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        extra_fields={"organization": "Analytical Engines"},
    )
    assert registrant.registrant_key == str(RK)
    assert registrant.join_url.endswith(str(RK))
    assert not registrant.duplicate
    sent = json.loads(route.calls.last.request.content)
    assert sent == {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@example.com",
        "organization": "Analytical Engines",
    }
    assert route.calls.last.request.headers["Accept"] == "application/json"


async def test_409_with_key_and_join_url_is_success(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    goto.on(
        "POST",
        goto.webinar_url(f"{W}/registrants"),
        Reply(409, {"errorCode": "DuplicateRegistrant", **bodies.registrant_created()}),
    )
    registrant = await make_client().webinar.create_registrant(
        OK_, WK, first_name="Ada", last_name="Lovelace", email="ada@example.com"
    )
    assert registrant.duplicate
    assert registrant.registrant_key == str(RK)


async def test_409_without_body_looks_registrant_up_by_email(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    goto.on("POST", goto.webinar_url(f"{W}/registrants"), Reply(409, {"description": "dup"}))
    goto.on(
        "GET",
        goto.webinar_url(f"{W}/registrants"),
        Reply(
            200,
            [
                bodies.webinar_registrant(1, "someone@example.com"),
                bodies.webinar_registrant(RK, "Ada@Example.com"),
            ],
        ),
    )
    goto.on(
        "GET", goto.webinar_url(f"{W}/registrants/{RK}"), Reply(200, bodies.webinar_registrant())
    )
    registrant = await make_client().webinar.create_registrant(
        OK_, WK, first_name="Ada", last_name="Lovelace", email="ada@example.com"
    )
    assert registrant.duplicate
    assert registrant.registrant_key == str(RK)
    assert registrant.status == "APPROVED"
    assert registrant.first_name == "Ada"


async def test_409_but_not_in_registrant_list(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on("POST", goto.webinar_url(f"{W}/registrants"), Reply(409))
    goto.on("GET", goto.webinar_url(f"{W}/registrants"), Reply(200, []))
    with pytest.raises(GoToError, match="already registered"):
        await make_client().webinar.create_registrant(
            OK_, WK, first_name="Ada", last_name="Lovelace", email="ada@example.com"
        )


async def test_400_names_the_required_fields(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on("POST", goto.webinar_url(f"{W}/registrants"), Reply(400, {"description": "invalid"}))
    goto.on(
        "GET", goto.webinar_url(f"{W}/registrants/fields"), Reply(200, bodies.registration_fields())
    )
    with pytest.raises(RegistrationNeedsFields) as caught:
        await make_client().webinar.create_registrant(
            OK_, WK, first_name="Ada", last_name="Lovelace", email="ada@example.com"
        )
    assert caught.value.fields == ["organization", "Which team are you in?"]
    assert "organization" in str(caught.value)


async def test_400_with_all_fields_present_is_a_plain_error(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    goto.on("POST", goto.webinar_url(f"{W}/registrants"), Reply(400))
    goto.on(
        "GET", goto.webinar_url(f"{W}/registrants/fields"), Reply(200, bodies.registration_fields())
    )
    # Not full either (3 of 100), so GoTo's refusal is passed on as it is.
    goto.on("GET", goto.webinar_url(W), Reply(200, bodies.webinar()))
    with pytest.raises(GoToError) as caught:
        await make_client().webinar.create_registrant(
            OK_,
            WK,
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.com",
            extra_fields={
                "organization": "AE",
                "responses": [{"questionKey": 42, "responseText": "Blue"}],
            },
        )
    assert not isinstance(caught.value, RegistrationNeedsFields | EventFull)
    assert caught.value.status_code == 400


async def test_registration_fields(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on(
        "GET", goto.webinar_url(f"{W}/registrants/fields"), Reply(200, bodies.registration_fields())
    )
    form = await make_client().webinar.registration_fields(OK_, WK)
    assert form.required_names() == [
        "firstName",
        "lastName",
        "email",
        "organization",
        "Which team are you in?",
    ]


async def test_delete_registrant(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on("DELETE", goto.webinar_url(f"{W}/registrants/{RK}"), Reply(204), Reply(404))
    client = make_client()
    assert await client.webinar.delete_registrant(OK_, WK, RK) is True
    assert await client.webinar.delete_registrant(OK_, WK, RK) is False


async def test_sessions_across_five_pages(goto: GoToMock, make_client: ClientFactory) -> None:
    def session_page(number: int) -> dict[str, object]:
        items = [bodies.reporting_session(1000 + number * 10 + i) for i in range(3)]
        return bodies.page("sessionInfoResources", items, number, total_pages=5, size=3)

    pages = [session_page(n) for n in range(5)]
    for p in pages:  # the spec's paged shape, so these mocks are not our own guess
        validate(component_schema(WEBINAR, "ReportingSessionsResponse"), p, "page")
    route = goto.on(
        "GET", goto.webinar_url(f"{W}/sessions"), lambda r: Reply(200, pages[page_of(r)])
    )
    sessions = await make_client().webinar.sessions(OK_, WK)
    assert len(sessions) == 15
    assert len({s.session_key for s in sessions}) == 15
    assert sessions[0].total_poll_count == 2
    assert [page_of(c.request) for c in route.calls] == [0, 1, 2, 3, 4]
    assert {c.request.url.params["size"] for c in route.calls} == {"200"}


async def test_sessions_as_plain_array(goto: GoToMock, make_client: ClientFactory) -> None:
    # Older answers are a bare array of Session; the spec's response schema is the paged
    # one, hence off_spec. The items are checked against the spec's Session schema instead.
    items = [
        {
            "startTime": bodies.START,
            "endTime": bodies.END,
            "registrantsAttended": 2,
            "webinarKey": WK,
            "webinarID": "123456789",
            "sessionKey": SK,
        }
    ]
    validate({"type": "array", "items": component_schema(WEBINAR, "Session")}, items, "sessions")
    goto.on("GET", goto.webinar_url(f"{W}/sessions"), Reply(200, items), off_spec="bare array")
    sessions = await make_client().webinar.sessions(OK_, WK)
    assert [s.session_key for s in sessions] == [str(SK)]
    assert sessions[0].total_poll_count is None


async def test_empty_paged_answer(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on(
        "GET",
        goto.webinar_url(f"{W}/sessions"),
        Reply(
            200,
            {
                "_embedded": {"sessionInfoResources": []},
                "page": {"size": 200, "totalElements": 0, "totalPages": 0, "number": 0},
            },
        ),
    )
    assert await make_client().webinar.sessions(OK_, WK) == []


async def test_webinar_attendees_paged(goto: GoToMock, make_client: ClientFactory) -> None:
    pages = [
        bodies.page(
            "attendeeParticipationResponses",
            [bodies.webinar_attendee(RK + n, f"p{n}@example.com")],
            n,
            2,
            size=1,
        )
        for n in range(2)
    ]
    goto.on("GET", goto.webinar_url(f"{W}/attendees"), lambda r: Reply(200, pages[page_of(r)]))
    attendees = await make_client().webinar.webinar_attendees(OK_, WK)
    assert [a.email for a in attendees] == ["p0@example.com", "p1@example.com"]


async def test_session_attendees(goto: GoToMock, make_client: ClientFactory) -> None:
    route = goto.on(
        "GET",
        goto.webinar_url(f"{W}/sessions/{SK}/attendees"),
        Reply(
            200, [bodies.webinar_attendee(), bodies.webinar_attendee(RK + 1, "b@example.com", 60)]
        ),
    )
    attendees = await make_client().webinar.session_attendees(OK_, WK, SK)
    assert [(a.registrant_key, a.attendance_time_in_seconds) for a in attendees] == [
        (str(RK), 3000),
        (str(RK + 1), 60),
    ]
    assert attendees[0].attendance[0].leave_time == datetime(2025, 1, 6, 9, 50, tzinfo=UTC)
    # The spec declares no paging parameters here, so none are sent.
    assert not route.calls.last.request.url.params


async def test_session_attendees_follow_pages_when_paged(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    # GoTo pages some attendee lists although the spec gives this path a plain array; the
    # pages below follow the spec's own paged attendee schema.
    pages = [
        bodies.page(
            "attendeeParticipationResponses",
            [bodies.webinar_attendee(RK + n, f"p{n}@example.com")],
            n,
            3,
            size=1,
        )
        for n in range(3)
    ]
    for p in pages:
        validate(component_schema(WEBINAR, "ReportingAttendeeResponse"), p, "page")
    route = goto.on(
        "GET",
        goto.webinar_url(f"{W}/sessions/{SK}/attendees"),
        lambda r: Reply(200, pages[page_of(r)]),
        off_spec="paged answer on a path the spec gives as a plain array",
    )
    attendees = await make_client().webinar.session_attendees(OK_, WK, SK)
    assert len(attendees) == 3
    assert [dict(c.request.url.params) for c in route.calls] == [
        {},
        {"page": "1", "size": "1"},
        {"page": "2", "size": "1"},
    ]


async def test_polls_poll_count_and_answers(goto: GoToMock, make_client: ClientFactory) -> None:
    goto.on(
        "GET",
        goto.webinar_url(f"{W}/sessions/{SK}/polls"),
        Reply(200, [bodies.poll("Did the demo work?"), bodies.poll("Rate the pace")]),
    )
    goto.on(
        "GET",
        goto.webinar_url(f"{W}/sessions/{SK}/performance"),
        Reply(200, bodies.session_performance(2)),
    )
    goto.on(
        "GET",
        goto.webinar_url(f"{W}/sessions/{SK}/attendees/{RK}/polls"),
        Reply(200, [bodies.poll_answer("did the  demo work?", "Yes")]),
    )
    client = make_client()
    polls = await client.webinar.session_polls(OK_, WK, SK)
    count = await client.webinar.session_poll_count(OK_, WK, SK)
    answers = await client.webinar.attendee_poll_answers(OK_, WK, SK, RK)
    assert [p.question for p in polls] == ["Did the demo work?", "Rate the pace"]
    assert count == 2
    assert answered_polls(polls, answers) == {"did the demo work?"}


def test_legacy_single_answer_is_read() -> None:
    answer = PollAnswer.model_validate({"question": "Q", "answer": "Great", "answers": []})
    assert answer.answers == ["Great"]
    assert answered_polls([Poll.model_validate({"question": "Q"})], [answer]) == {"q"}


async def test_forbidden_is_not_treated_as_token_problem(
    goto: GoToMock, make_client: ClientFactory
) -> None:
    token = goto.token(Reply(200, bodies.token_answer()))
    goto.on("GET", goto.webinar_url(W), Reply(403, {"int_err_code": "NoAccess"}))
    with pytest.raises(GoToError, match="does not allow"):
        await make_client().webinar.get_webinar(OK_, WK)
    assert token.call_count == 0
