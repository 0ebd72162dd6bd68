"""Every request the client makes is an operation of the published GoTo specs.

A scripted run calls every public method; the `goto` fixture then checks each recorded
request (path + method, declared query parameters, integer path keys, request body schema)
and each mocked JSON answer (response schema) against ../shared/specs. The OAuth token and
identity endpoints are exempt: both specs still name the decommissioned api.getgo.com/oauth/v2
host and neither describes the identity API, so those follow the specs README instead.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.goto import GoToClient, GoToOAuth, TrainingClient, WebinarClient
from tests.goto_client import bodies
from tests.goto_client.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    IDENTITY_URL,
    ClientFactory,
    FakeTime,
    GoToMock,
    Reply,
    make_tokens,
)
from tests.goto_client.spec import (
    WEBINAR,
    check_request,
    check_response,
    component_schema,
    find_operation,
    validate,
)

OK_ = bodies.ORGANIZER
WK, TK, SK = bodies.WEBINAR_KEY, bodies.TRAINING_KEY, bodies.SESSION_KEY
TSK, RK = bodies.TRAINING_SESSION_KEY, bodies.REGISTRANT_KEY
NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
W = f"/organizers/{OK_}/webinars/{WK}"
T = f"/organizers/{OK_}/trainings/{TK}"

# The spec operations the client uses; the sandbox must serve exactly these.
EXPECTED_OPERATIONS = {
    "webinar: GET /organizers/{organizerKey}/webinars",
    "webinar: POST /organizers/{organizerKey}/webinars",
    "webinar: GET /organizers/{organizerKey}/webinars/{webinarKey}",
    "webinar: GET /organizers/{organizerKey}/webinars/{webinarKey}/registrants/fields",
    "webinar: POST /organizers/{organizerKey}/webinars/{webinarKey}/registrants",
    "webinar: GET /organizers/{organizerKey}/webinars/{webinarKey}/registrants",
    "webinar: GET /organizers/{organizerKey}/webinars/{webinarKey}/registrants/{registrantKey}",
    "webinar: DELETE /organizers/{organizerKey}/webinars/{webinarKey}/registrants/{registrantKey}",
    "webinar: GET /organizers/{organizerKey}/webinars/{webinarKey}/sessions",
    "webinar: GET /organizers/{organizerKey}/webinars/{webinarKey}/attendees",
    "webinar: GET /organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/attendees",
    "webinar: GET /organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}/polls",
    "webinar: GET /organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}"
    "/performance",
    "webinar: GET /organizers/{organizerKey}/webinars/{webinarKey}/sessions/{sessionKey}"
    "/attendees/{registrantKey}/polls",
    "training: GET /organizers/{organizerKey}/trainings",
    "training: POST /organizers/{organizerKey}/trainings",
    "training: GET /organizers/{organizerKey}/trainings/{trainingKey}",
    "training: POST /organizers/{organizerKey}/trainings/{trainingKey}/registrants",
    "training: GET /organizers/{organizerKey}/trainings/{trainingKey}/registrants",
    "training: GET /organizers/{organizerKey}/trainings/{trainingKey}/registrants/{registrantKey}",
    "training: DELETE /organizers/{organizerKey}/trainings/{trainingKey}/registrants"
    "/{registrantKey}",
    "training: GET /reports/organizers/{organizerKey}/trainings/{trainingKey}",
    "training: GET /reports/organizers/{organizerKey}/sessions/{sessionKey}/attendees",
}


def public_methods(cls: type) -> set[str]:
    """Names of the public methods (coroutines or plain functions) a class offers."""
    return {
        name
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_")
        and (inspect.iscoroutinefunction(member) or inspect.isfunction(member))
    }


def mock_everything(goto: GoToMock) -> None:
    """Spec-shaped answers for every operation the client uses (validated on registration)."""
    w, t = goto.webinar_url, goto.training_url
    goto.token(Reply(200, bodies.token_answer("access-2", "refresh-2", organizer_key=None)))
    goto.on("GET", IDENTITY_URL, Reply(200, bodies.identity()))
    goto.on("GET", w(W), Reply(200, bodies.webinar()))
    goto.on(
        "GET",
        w(f"/organizers/{OK_}/webinars"),
        Reply(200, bodies.page("webinars", [bodies.webinar_item()], 0, 1)),
    )
    goto.on("POST", w(f"/organizers/{OK_}/webinars"), Reply(201, {"webinarKey": str(WK)}))
    goto.on("GET", t(f"/organizers/{OK_}/trainings"), Reply(200, [bodies.training()]))
    goto.on("POST", t(f"/organizers/{OK_}/trainings"), Reply(201, str(TK)))
    goto.on("GET", w(f"/organizers/{OK_}/webinars/{TK}"), Reply(404))
    goto.on("GET", w(f"{W}/registrants/fields"), Reply(200, bodies.registration_fields()))
    goto.on("POST", w(f"{W}/registrants"), Reply(201, bodies.registrant_created()), Reply(409))
    goto.on("GET", w(f"{W}/registrants"), Reply(200, [bodies.webinar_registrant()]))
    goto.on("GET", w(f"{W}/registrants/{RK}"), Reply(200, bodies.webinar_registrant()))
    goto.on("DELETE", w(f"{W}/registrants/{RK}"), Reply(204))
    goto.on(
        "GET",
        w(f"{W}/sessions"),
        Reply(200, bodies.page("sessionInfoResources", [bodies.reporting_session()], 0, 1)),
    )
    goto.on(
        "GET",
        w(f"{W}/attendees"),
        Reply(
            200,
            bodies.page("attendeeParticipationResponses", [bodies.webinar_attendee()], 0, 1),
        ),
    )
    goto.on("GET", w(f"{W}/sessions/{SK}/attendees"), Reply(200, [bodies.webinar_attendee()]))
    goto.on("GET", w(f"{W}/sessions/{SK}/polls"), Reply(200, [bodies.poll()]))
    goto.on("GET", w(f"{W}/sessions/{SK}/performance"), Reply(200, bodies.session_performance()))
    goto.on("GET", w(f"{W}/sessions/{SK}/attendees/{RK}/polls"), Reply(200, [bodies.poll_answer()]))
    goto.on("GET", t(T), Reply(200, bodies.training()))
    goto.on("GET", t(f"/organizers/{OK_}/trainings/{WK}"), Reply(404))
    goto.on(
        "POST",
        t(f"{T}/registrants"),
        Reply(201, bodies.training_created()),
        Reply(409, {"errorCode": "DuplicateRegistrant", "registrantKey": str(RK)}),
    )
    goto.on("GET", t(f"{T}/registrants"), Reply(200, [bodies.training_registrant()]))
    goto.on("GET", t(f"{T}/registrants/{RK}"), Reply(200, bodies.training_registrant()))
    goto.on("DELETE", t(f"{T}/registrants/{RK}"), Reply(204))
    goto.on(
        "GET",
        t(f"/reports/organizers/{OK_}/trainings/{TK}"),
        Reply(200, [bodies.training_session()]),
    )
    goto.on(
        "GET",
        t(f"/reports/organizers/{OK_}/sessions/{TSK}/attendees"),
        Reply(200, [bodies.training_attendee()]),
    )


async def test_every_public_method_only_makes_spec_requests(
    goto: GoToMock, make_client: ClientFactory, oauth: GoToOAuth, clock: FakeTime
) -> None:
    mock_everything(goto)
    # Expired tokens, so the run also goes through the auth flow's refresh.
    client = make_client(make_tokens(clock, expires_in=-1))
    wc, tc = client.webinar, client.training

    script: dict[str, dict[str, Callable[[], Awaitable[object]]]] = {
        "WebinarClient": {
            "get_webinar": lambda: wc.get_webinar(OK_, WK),
            "upcoming_webinars": lambda: wc.upcoming_webinars(OK_, NOW, NOW + timedelta(days=9)),
            "create_webinar": lambda: wc.create_webinar(
                OK_, subject="New", start=NOW, end=NOW + timedelta(hours=1), time_zone="UTC"
            ),
            "registration_fields": lambda: wc.registration_fields(OK_, WK),
            "create_registrant": lambda: wc.create_registrant(
                OK_, WK, first_name="Ada", last_name="L", email="ada@example.com"
            ),
            "list_registrants": lambda: wc.list_registrants(OK_, WK),
            "find_registrant": lambda: wc.find_registrant(OK_, WK, "ada@example.com"),
            "get_registrant": lambda: wc.get_registrant(OK_, WK, RK),
            "delete_registrant": lambda: wc.delete_registrant(OK_, WK, RK),
            "sessions": lambda: wc.sessions(OK_, WK),
            "webinar_attendees": lambda: wc.webinar_attendees(OK_, WK),
            "session_attendees": lambda: wc.session_attendees(OK_, WK, SK),
            "session_polls": lambda: wc.session_polls(OK_, WK, SK),
            "session_poll_count": lambda: wc.session_poll_count(OK_, WK, SK),
            "attendee_poll_answers": lambda: wc.attendee_poll_answers(OK_, WK, SK, RK),
        },
        "TrainingClient": {
            "get_training": lambda: tc.get_training(OK_, TK),
            "upcoming_trainings": lambda: tc.upcoming_trainings(OK_),
            "create_training": lambda: tc.create_training(
                OK_, name="New", start=NOW, end=NOW + timedelta(hours=1), time_zone="UTC"
            ),
            "register": lambda: tc.register(
                OK_, TK, first_name="Ada", last_name="L", email="ada@example.com"
            ),
            "list_registrants": lambda: tc.list_registrants(OK_, TK),
            "find_registrant": lambda: tc.find_registrant(OK_, TK, "ada@example.com"),
            "get_registrant": lambda: tc.get_registrant(OK_, TK, RK),
            "delete_registrant": lambda: tc.delete_registrant(OK_, TK, RK),
            "sessions": lambda: tc.sessions(OK_, TK),
            "session_attendees": lambda: tc.session_attendees(OK_, TSK),
        },
        "GoToClient": {
            "detect_product": lambda: client.detect_product(OK_, TK),
            "require_webinar": lambda: client.require_webinar(OK_, WK),
            "require_training": lambda: client.require_training(OK_, TK),
            "upcoming_events": lambda: client.upcoming_events("training", OK_, now=NOW),
            "create_event": lambda: client.create_event(
                "webinar",
                OK_,
                subject="New",
                start=NOW,
                end=NOW + timedelta(hours=1),
                time_zone="UTC",
            ),
            "check_event": lambda: client.check_event("training", OK_, WK, now=NOW),
            "aclose": lambda: _noop(),
        },
        "GoToOAuth": {
            "exchange_code": lambda: oauth.exchange_code(
                CLIENT_ID, CLIENT_SECRET, "code", "https://bot.example.com/cb"
            ),
            "refresh": lambda: oauth.refresh(CLIENT_ID, CLIENT_SECRET, "refresh-1"),
            "identity": lambda: oauth.identity("access-2"),
            "authorize_url": lambda: _noop(),  # builds a URL, sends nothing
        },
    }
    classes = {
        "WebinarClient": WebinarClient,
        "TrainingClient": TrainingClient,
        "GoToClient": GoToClient,
        "GoToOAuth": GoToOAuth,
    }
    for name, cls in classes.items():
        assert set(script[name]) == public_methods(cls), f"script misses a {name} method"

    for calls in script.values():
        for call in calls.values():
            await call()
    # The second registration of each product went through the 409 path.
    await wc.create_registrant(OK_, WK, first_name="Ada", last_name="L", email="ada@example.com")
    await tc.register(OK_, TK, first_name="Ada", last_name="L", email="ada@example.com")

    hit = set()
    requests = [call.request for call in goto.router.calls]
    for request in requests:
        op = check_request(request)
        if op is not None:
            hit.add(str(op))
    assert hit == EXPECTED_OPERATIONS
    exempt = {
        (r.method, r.url.host, r.url.path)
        for r in requests
        if find_operation(r.method, r.url) is None
    }
    assert exempt == {
        ("POST", "authentication.logmeininc.com", "/oauth/token"),
        ("GET", "api.getgo.com", "/identity/v1/Users/me"),
    }


async def _noop() -> None:
    return None


def test_checker_rejects_undeclared_path() -> None:
    request = httpx.Request("GET", f"{WEBINAR.base_url}/organizers/1/webinars/2/whatever")
    with pytest.raises(AssertionError, match="matches no operation"):
        check_request(request)


def test_checker_rejects_wrong_method() -> None:
    request = httpx.Request("POST", f"{WEBINAR.base_url}/organizers/1/webinars/2/sessions")
    with pytest.raises(AssertionError, match="matches no operation"):
        check_request(request)


def test_checker_rejects_undeclared_query_parameter() -> None:
    url = f"{WEBINAR.base_url}/organizers/1/webinars/2/sessions/3/attendees?page=1"
    with pytest.raises(AssertionError, match="'page' is not declared"):
        check_request(httpx.Request("GET", url))


def test_checker_rejects_non_integer_key() -> None:
    request = httpx.Request("GET", f"{WEBINAR.base_url}/organizers/1/webinars/abc")
    with pytest.raises(AssertionError, match="not an integer"):
        check_request(request)


def test_checker_rejects_undeclared_request_field() -> None:
    request = httpx.Request(
        "POST",
        f"{WEBINAR.base_url}/organizers/1/webinars/2/registrants",
        json={"firstName": "A", "lastName": "B", "email": "a@b.c", "favouriteColour": "blue"},
    )
    with pytest.raises(AssertionError, match="favouriteColour"):
        check_request(request)


def test_checker_rejects_bodies_that_do_not_fit_the_schema() -> None:
    found = find_operation("GET", httpx.URL(f"{WEBINAR.base_url}/organizers/1/webinars/2"))
    assert found is not None
    op = found[0]
    bad = bodies.webinar()
    bad["webinarKey"] = "not-a-number"
    with pytest.raises(AssertionError, match="webinarKey"):
        check_response(op, 200, bad)
    invented = {**bodies.webinar(), "madeUpField": 1}
    with pytest.raises(AssertionError, match="madeUpField"):
        check_response(op, 200, invented)
    assert check_response(op, 404, {"anything": True}) is False


def test_literal_segment_beats_parameter() -> None:
    found = find_operation(
        "GET", httpx.URL(f"{WEBINAR.base_url}/organizers/1/webinars/2/registrants/fields")
    )
    assert found is not None
    assert found[0].template.endswith("/registrants/fields")


def test_component_schemas_resolve() -> None:
    validate(component_schema(WEBINAR, "ReportingSession"), bodies.reporting_session(), "session")
