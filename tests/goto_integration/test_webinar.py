"""GoToWebinar through the client: webinars, registration form, registrants and errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.goto import (
    EventFull,
    GoToClient,
    NotFound,
    RegistrationNeedsFields,
    RegistrationRefused,
    WrongProduct,
)
from tests.goto_integration.conftest import (
    ALICE,
    CAROL,
    WEBINAR_APP,
    Sandbox,
    StartSandbox,
    scenario_with,
)

SECURITY = "1234500001"  # required field and required custom questions
PRODUCT = "1234500002"  # three polls, dana registered
CANCELLED = "1234500003"
SMALL = "1234500004"  # registrationLimit 2
BOBS = "1234500005"
G2W = f"/G2W/rest/v2/organizers/{ALICE}/webinars"


@pytest.fixture
async def alice(sandbox: Sandbox) -> GoToClient:
    return await sandbox.client(await sandbox.connect(WEBINAR_APP, "alice@example.com"))


def iso_z(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_get_webinar(sandbox: Sandbox, alice: GoToClient) -> None:
    webinar = await alice.webinar.get_webinar(ALICE, int(PRODUCT))

    assert webinar.webinar_key == PRODUCT
    assert webinar.webinar_id == "123450002"
    assert webinar.subject == "Product Training: Quarterly Update"
    assert webinar.organizer_key == ALICE
    assert webinar.time_zone == "Europe/Berlin"
    assert webinar.in_session is False
    [time] = webinar.times
    expected = (await sandbox.event("webinars", PRODUCT))["times"]
    assert [{"start": iso_z(time.start), "end": iso_z(time.end)}] == expected
    assert (time.start.hour, time.start.minute, time.start.tzinfo) == (14, 0, UTC)
    assert time.end - time.start == timedelta(minutes=90)
    assert timedelta(0) < time.start - datetime.now(UTC) < timedelta(days=2)


async def test_registration_fields_name_the_required_ones(alice: GoToClient) -> None:
    form = await alice.webinar.registration_fields(ALICE, SECURITY)

    assert form.required_names() == [
        "firstName",
        "lastName",
        "email",
        "organization",
        "What is your role?",
        "Employee ID",
    ]
    assert [(f.field, f.required) for f in form.fields][3:] == [
        ("organization", True),
        ("jobTitle", False),
    ]
    role = form.questions[0]
    assert (role.question_key, role.type) == ("7001", "multipleChoice")
    assert [a.answer for a in role.answers] == ["Engineer", "Manager", "Other"]


async def test_register_then_register_again_returns_the_same_registration(
    sandbox: Sandbox, alice: GoToClient
) -> None:
    created = await alice.webinar.create_registrant(
        ALICE, PRODUCT, first_name="Pat", last_name="Lee", email="pat@example.org"
    )

    assert created.duplicate is False
    assert created.status == "APPROVED"
    assert created.email == "pat@example.org"
    assert created.join_url == (
        f"{sandbox.url}/_sandbox/join/webinar/{PRODUCT}/{created.registrant_key}"
    )
    registrants = (await sandbox.event("webinars", PRODUCT))["registrants"]
    assert {"registrantKey": created.registrant_key, "email": "pat@example.org"} in [
        {k: r[k] for k in ("registrantKey", "email")} for r in registrants
    ]

    mark = await sandbox.mark()
    again = await alice.webinar.create_registrant(
        ALICE, PRODUCT, first_name="Pat", last_name="Lee", email="PAT@example.org"
    )

    assert again.duplicate is True
    assert (again.registrant_key, again.join_url) == (created.registrant_key, created.join_url)
    # GoToWebinar's 409 carries the join URL, so no further lookup is needed.
    assert [(r["method"], r["status"]) for r in await sandbox.requests(mark)] == [("POST", 409)]
    assert len((await sandbox.event("webinars", PRODUCT))["registrants"]) == 2


async def test_required_custom_questions_are_named(sandbox: Sandbox, alice: GoToClient) -> None:
    with pytest.raises(RegistrationNeedsFields) as caught:
        await alice.webinar.create_registrant(
            ALICE, SECURITY, first_name="Pat", last_name="Lee", email="pat@example.org"
        )
    assert caught.value.fields == ["organization", "What is your role?", "Employee ID"]
    assert "organization, What is your role?, Employee ID" in str(caught.value)

    # Answering them from the form the client reads works.
    form = await alice.webinar.registration_fields(ALICE, SECURITY)
    role, employee_id = form.questions
    responses: list[dict[str, Any]] = [
        {"questionKey": int(role.question_key), "answerKey": int(role.answers[1].answer_key)},
        {"questionKey": int(employee_id.question_key), "responseText": "E-1234"},
    ]
    created = await alice.webinar.create_registrant(
        ALICE,
        SECURITY,
        first_name="Pat",
        last_name="Lee",
        email="pat@example.org",
        extra_fields={"organization": "Acme", "responses": responses},
    )
    assert created.duplicate is False
    detail = await alice.webinar.get_registrant(ALICE, SECURITY, created.registrant_key)
    assert (detail.email, detail.first_name) == ("pat@example.org", "Pat")
    stored = sandbox.state.webinars[int(SECURITY)].registrants[int(created.registrant_key)]
    assert stored.fields == {"organization": "Acme"}
    assert stored.responses == [("What is your role?", "Manager"), ("Employee ID", "E-1234")]


async def test_a_full_webinar_is_event_full_as_goto_reports_it(
    sandbox: Sandbox, alice: GoToClient
) -> None:
    before = await alice.webinar.get_webinar(ALICE, SMALL)
    assert (before.registration_limit, before.number_of_registrants, before.full) == (2, 0, False)
    for name in ("ann", "ben"):
        await alice.webinar.create_registrant(
            ALICE, SMALL, first_name=name, last_name="X", email=f"{name}@example.org"
        )
    mark = await sandbox.mark()

    with pytest.raises(EventFull) as caught:
        await alice.webinar.create_registrant(
            ALICE, SMALL, first_name="Cy", last_name="X", email="cy@example.org"
        )

    # A 400 may mean missing fields: the client checks the form, finds none missing, then
    # reads registrationLimit and numberOfRegistrants off the webinar.
    error = caught.value
    assert isinstance(error, RegistrationRefused)
    assert (error.status_code, error.limit) == (400, 2)
    assert str(error) == f"The webinar {SMALL} is full on GoTo: it takes at most 2 registrations."
    calls = [(r["method"], r["path"], r["status"]) for r in await sandbox.requests(mark)]
    assert calls == [
        ("POST", f"{G2W}/{SMALL}/registrants", 400),
        ("GET", f"{G2W}/{SMALL}/registrants/fields", 200),
        ("GET", f"{G2W}/{SMALL}", 200),
    ]
    # Someone already registered still gets the duplicate answer, not "full".
    again = await alice.webinar.create_registrant(
        ALICE, SMALL, first_name="ann", last_name="X", email="ann@example.org"
    )
    assert again.duplicate
    assert len((await sandbox.event("webinars", SMALL))["registrants"]) == 2


@pytest.mark.parametrize(
    "key",
    [
        CANCELLED,  # cancelled: GoTo answers 404
        "1234599999",  # never existed
        BOBS,  # another organizer's webinar
    ],
)
async def test_cancelled_unknown_or_foreign_webinar_is_not_found(
    alice: GoToClient, key: str
) -> None:
    with pytest.raises(NotFound) as caught:
        await alice.webinar.get_webinar(ALICE, key)
    assert (caught.value.kind, caught.value.key, caught.value.status_code) == ("webinar", key, 404)
    with pytest.raises(NotFound):
        await alice.webinar.create_registrant(
            ALICE, key, first_name="Pat", last_name="Lee", email="pat@example.org"
        )


async def test_a_webinar_cancelled_later_is_not_found(sandbox: Sandbox, alice: GoToClient) -> None:
    await alice.webinar.get_webinar(ALICE, PRODUCT)
    await sandbox.control("POST", f"webinars/{PRODUCT}/cancel", {"cancelled": True})
    with pytest.raises(NotFound):
        await alice.webinar.get_webinar(ALICE, PRODUCT)


async def test_a_key_that_is_not_a_number_is_not_found_without_asking(
    sandbox: Sandbox, alice: GoToClient
) -> None:
    mark = await sandbox.mark()
    with pytest.raises(NotFound):
        await alice.webinar.get_webinar(ALICE, "123-450-002")
    assert await sandbox.requests(mark) == []


async def test_delete_registrant(sandbox: Sandbox, alice: GoToClient) -> None:
    created = await alice.webinar.create_registrant(
        ALICE, PRODUCT, first_name="Pat", last_name="Lee", email="pat@example.org"
    )

    assert await alice.webinar.delete_registrant(ALICE, PRODUCT, created.registrant_key) is True

    emails = [r["email"] for r in (await sandbox.event("webinars", PRODUCT))["registrants"]]
    assert emails == ["dana@example.org"]
    with pytest.raises(NotFound) as caught:
        await alice.webinar.get_registrant(ALICE, PRODUCT, created.registrant_key)
    assert caught.value.kind == "registrant"
    assert await alice.webinar.find_registrant(ALICE, PRODUCT, "pat@example.org") is None
    # Already gone (e.g. a retried DELETE): False, not an error.
    assert await alice.webinar.delete_registrant(ALICE, PRODUCT, created.registrant_key) is False


async def test_list_and_find_registrants(alice: GoToClient) -> None:
    found = await alice.webinar.find_registrant(ALICE, PRODUCT, " Dana@Example.org ")
    assert found is not None and found.email == "dana@example.org"
    assert [r.email for r in await alice.webinar.list_registrants(ALICE, PRODUCT)] == [
        "dana@example.org"
    ]


async def test_a_training_key_on_a_webinar_location_is_the_wrong_product(
    start_sandbox: StartSandbox,
) -> None:
    # An app with both products (carol runs webinar 1234500007 and training 2234500005).
    both = ("demo-both-app", "demo-both-secret")
    sandbox = await start_sandbox(
        scenario_with(
            extra_consumers=[
                {
                    "client_id": both[0],
                    "client_secret": both[1],
                    "name": "Both products",
                    "product": "both",
                    "accounts": ["carol@example.com"],
                }
            ]
        )
    )
    carol = await sandbox.client(await sandbox.connect(both, "carol@example.com"), app=both)

    assert await carol.detect_product(CAROL, "1234500007") == "webinar"
    assert await carol.detect_product(CAROL, "2234500005") == "training"
    assert await carol.detect_product(CAROL, "2234599999") is None
    assert (await carol.require_webinar(CAROL, "1234500007")).subject == "Customer Success Live"
    with pytest.raises(WrongProduct) as caught:
        await carol.require_webinar(CAROL, "2234500005")
    assert (caught.value.expected, caught.value.actual) == ("webinar", "training")
    assert "GoToTraining key" in str(caught.value)
    with pytest.raises(WrongProduct) as reverse:
        await carol.require_training(CAROL, "1234500007")
    assert (reverse.value.expected, reverse.value.actual) == ("training", "webinar")
    with pytest.raises(NotFound):
        await carol.require_webinar(CAROL, "2234599999")


async def test_with_a_webinar_only_app_a_training_key_is_just_not_found(
    sandbox: Sandbox, alice: GoToClient
) -> None:
    # The webinar-only app's token gets 403 AccessDenied from GoToTraining, which the client
    # reads as "not a training either": the user sees NotFound, not WrongProduct.
    mark = await sandbox.mark()
    with pytest.raises(NotFound):
        await alice.require_webinar(ALICE, "2234500001")
    calls = [(r["path"].split("/")[1], r["status"]) for r in await sandbox.requests(mark)]
    assert calls == [("G2W", 404), ("G2T", 403)]
    assert await alice.detect_product(ALICE, "2234500001") is None
