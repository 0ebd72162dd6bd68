"""What sessions need from GoTo, through the client against the sandbox: upcoming events,
creating one, unregistering, a full webinar and the facts of the session check."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.goto import EventStatus, GoToClient, RegistrationPending
from tests.goto_integration.conftest import (
    ALICE,
    CAROL,
    TRAINING_APP,
    TRUDY,
    Sandbox,
    StartSandbox,
    scenario_with,
)

CANCELLED_WEBINAR = "1234500003"
SMALL = "1234500004"  # registrationLimit 2
PAST_WEBINAR = "1234500006"
EXCEL = "2234500001"
CANCELLED_TRAINING = "2234500002"
PAST_TRAINING = "2234500004"
BOTH = ("demo-both-app", "demo-both-secret")


@pytest.fixture
async def alice(sandbox: Sandbox) -> GoToClient:
    return await sandbox.client(
        await sandbox.connect(("demo-webinar-app", "demo-webinar-secret"), "alice@example.com")
    )


@pytest.fixture
async def trudy(sandbox: Sandbox) -> GoToClient:
    tokens = await sandbox.connect(TRAINING_APP, "trudy@example.com")
    return await sandbox.client(tokens, app=TRAINING_APP)


async def test_alices_upcoming_webinars(sandbox: Sandbox, alice: GoToClient) -> None:
    now = sandbox.state.clock.now()
    events = await alice.upcoming_events("webinar", ALICE, now=now)
    # Soonest first; neither the cancelled webinar nor the one that took place last week.
    assert [(e.key, e.subject) for e in events] == [
        ("1234500002", "Product Training: Quarterly Update"),
        (SMALL, "Small Group Workshop"),
        ("1234500001", "Security Basics Onboarding"),
    ]
    assert all(e.product == "webinar" and not e.cancelled for e in events)
    assert events[0].start is not None and events[0].start > now
    assert events[0].time_zone == "Europe/Berlin"
    # Only within the range asked for.
    assert [e.key for e in await alice.upcoming_events("webinar", ALICE, now=now, days=2)] == [
        "1234500002"
    ]


async def test_webinars_added_through_the_control_plane_are_offered(
    sandbox: Sandbox, alice: GoToClient
) -> None:
    for n in range(3):
        await sandbox.control(
            "POST",
            "webinars",
            {
                "organizer": "alice@example.com",
                "subject": f"Extra {n}",
                "times": [{"start": f"+{20 + n}d@09:00"}],
            },
            expect=201,
        )
    events = await alice.upcoming_events("webinar", ALICE, now=sandbox.state.clock.now())
    assert [e.subject for e in events][-3:] == ["Extra 0", "Extra 1", "Extra 2"]
    assert events[-1].time_zone == "Europe/Berlin"  # alice's own


async def test_trudys_upcoming_trainings(sandbox: Sandbox, trudy: GoToClient) -> None:
    events = await trudy.upcoming_events("training", TRUDY, now=sandbox.state.clock.now())
    assert [(e.key, e.subject) for e in events] == [
        (EXCEL, "Excel Foundations"),
        ("2234500006", "Data Protection Essentials"),
    ]
    assert events[0].registration_limit is None
    assert len(events[0].times) == 3 and events[0].time_zone == "Europe/London"


async def test_a_created_webinar_is_listed_checked_and_open_for_registration(
    sandbox: Sandbox, alice: GoToClient
) -> None:
    now = sandbox.state.clock.now()
    start = (now + timedelta(days=30)).replace(microsecond=0)
    key = await alice.create_event(
        "webinar",
        ALICE,
        subject="Onboarding, cohort 7",
        start=start,
        end=start + timedelta(hours=1),
        time_zone="Europe/Berlin",
    )
    assert key.isdigit()
    listed = await alice.upcoming_events("webinar", ALICE, now=now, days=60)
    assert listed[-1].key == key and listed[-1].subject == "Onboarding, cohort 7"
    check = await alice.check_event("webinar", ALICE, key, now=now)
    assert check.status is EventStatus.UPCOMING
    assert check.event is not None
    assert (check.event.start, check.event.time_zone) == (start, "Europe/Berlin")
    assert (check.event.registration_limit, check.event.registrants) == (1000, 0)
    registrant = await alice.webinar.create_registrant(
        ALICE, key, first_name="Pat", last_name="Lee", email="pat@example.org"
    )
    assert not registrant.duplicate
    assert await alice.webinar.delete_registrant(ALICE, key, registrant.registrant_key)
    assert await alice.webinar.list_registrants(ALICE, key) == []


async def test_a_created_training_is_listed_checked_and_open_for_registration(
    sandbox: Sandbox, trudy: GoToClient
) -> None:
    now = sandbox.state.clock.now()
    start = (now + timedelta(days=5)).replace(microsecond=0)
    key = await trudy.create_event(
        "training",
        TRUDY,
        subject="Pivot Tables",
        start=start,
        end=start + timedelta(hours=2),
        time_zone="Europe/London",
    )
    assert key in [e.key for e in await trudy.upcoming_events("training", TRUDY, now=now)]
    training = await trudy.training.get_training(TRUDY, key)
    assert (training.name, training.times[0].start) == ("Pivot Tables", start)
    first = await trudy.training.register(
        TRUDY, key, first_name="Pat", last_name="Lee", email="pat@example.org"
    )
    # GoToTraining's 409 has no join URL: the client fetches the registrant for it.
    again = await trudy.training.register(
        TRUDY, key, first_name="Pat", last_name="Lee", email="PAT@example.org"
    )
    assert again.duplicate and again.join_url == first.join_url
    assert again.registrant_key == first.registrant_key
    # Unregistering deletes the registrant on GoTo; a second delete finds nothing.
    assert await trudy.training.delete_registrant(TRUDY, key, first.registrant_key) is True
    assert await trudy.training.delete_registrant(TRUDY, key, first.registrant_key) is False
    assert await trudy.training.list_registrants(TRUDY, key) == []


async def test_a_training_registrant_not_yet_published_after_a_409(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = await start_sandbox(scenario_with(training_registrant_lag_seconds=3600))
    trudy = await sandbox.client(
        await sandbox.connect(TRAINING_APP, "trudy@example.com"), app=TRAINING_APP
    )
    await trudy.training.register(
        TRUDY, EXCEL, first_name="Pat", last_name="Lee", email="pat@example.org"
    )
    with pytest.raises(RegistrationPending):
        await trudy.training.register(
            TRUDY, EXCEL, first_name="Pat", last_name="Lee", email="pat@example.org"
        )


async def test_session_check_facts_on_a_webinar_account(
    sandbox: Sandbox, alice: GoToClient
) -> None:
    now = sandbox.state.clock.now()
    small = await alice.check_event("webinar", ALICE, SMALL, now=now)
    assert small.status is EventStatus.UPCOMING and small.event is not None
    assert (small.event.registration_limit, small.event.full) == (2, False)
    past = await alice.check_event("webinar", ALICE, PAST_WEBINAR, now=now)
    assert past.status is EventStatus.ENDED
    assert past.message.endswith("has already taken place: pick an upcoming webinar.")
    # GoTo answers 404 for a cancelled webinar: not told apart from a wrong key.
    cancelled = await alice.check_event("webinar", ALICE, CANCELLED_WEBINAR, now=now)
    assert cancelled.status is EventStatus.NOT_FOUND
    # With a webinar-only app GoToTraining refuses the token: a training key is just unknown.
    training_key = await alice.check_event("webinar", ALICE, EXCEL, now=now)
    assert training_key.status is EventStatus.NOT_FOUND


async def test_session_check_facts_on_a_training_account(
    sandbox: Sandbox, trudy: GoToClient
) -> None:
    now = sandbox.state.clock.now()
    assert (await trudy.check_event("training", TRUDY, EXCEL, now=now)).usable
    assert (
        await trudy.check_event("training", TRUDY, PAST_TRAINING, now=now)
    ).status is EventStatus.ENDED
    assert (
        await trudy.check_event("training", TRUDY, CANCELLED_TRAINING, now=now)
    ).status is EventStatus.NOT_FOUND


async def test_session_check_tells_the_other_products_key_when_the_app_has_both(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = await start_sandbox(
        scenario_with(
            extra_consumers=[
                {
                    "client_id": BOTH[0],
                    "client_secret": BOTH[1],
                    "name": "Both products",
                    "product": "both",
                    "accounts": ["carol@example.com"],
                }
            ]
        )
    )
    carol = await sandbox.client(await sandbox.connect(BOTH, "carol@example.com"), app=BOTH)
    now = sandbox.state.clock.now()
    on_webinar = await carol.check_event("webinar", CAROL, "2234500005", now=now)
    assert (on_webinar.status, on_webinar.actual) == (EventStatus.WRONG_PRODUCT, "training")
    on_training = await carol.check_event("training", CAROL, "1234500007", now=now)
    assert (on_training.status, on_training.actual) == (EventStatus.WRONG_PRODUCT, "webinar")
    assert on_training.message == (
        "The key 1234500007 looks like a GoToWebinar key, but this location uses GoToTraining."
    )
