"""Registering over signed HTTP: Slack's buttons and commands in, GoTo's registrants out."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.goto_events import GoToEventChecker
from bot.jobs.retry_registrations import retry_registrations_job
from db.uow import SqlUnitOfWork
from domain import mrkdwn
from domain.models import Enrollment, EnrollmentStatus, LearningElement, Location, Session
from domain.services import sessions
from domain.services.identity import resolve_actor
from domain.session_rules import SessionForm
from domain.types import utcnow
from handlers.session_views import REGISTER_ACTION, REGISTER_PEOPLE_ACTION
from tests.e2e.conftest import BEN, BOSS, CLAIRE, ROBOT, TOKEN, TRAINING, WS, Stack
from tests.e2e.locations_flow import (
    TRAINING_KEY,
    TRAINING_SECRET,
    admin_with_teams,
    consent,
    create_goto_location,
)

PRODUCT_UPDATE = "1234500002"  # alice's webinar tomorrow; Dana is registered already
SECURITY_BASICS = "1234500001"  # alice's webinar whose form requires more fields
SMALL_WORKSHOP = "1234500004"  # alice's webinar with a registrationLimit of 2
LEADERSHIP = "1234500005"  # bob's webinar
DATA_PROTECTION = "2234500006"  # trudy's training
DAN = "U0DAN00001"
EVE = "U0EVE00001"  # no email address in her Slack profile
ONBOARDING = "C0ONBOARD1"


async def linked(
    stack: Stack, teams: dict[str, int], account: str, name: str, **values: Any
) -> Location:
    """A GoTo location of Sales, linked to `account` through GoTo's consent page."""
    link = await create_goto_location(stack, teams, name=name, **values)
    async with httpx.AsyncClient(timeout=10) as http:
        landing = await consent(http, link, account=account)
    assert "Location has been linked correctly" in landing.text
    found: Location = next(r for r in await stack.rows(Location) if r.name == name)
    return found


async def schedule(
    stack: Stack,
    location: Location,
    event_key: str,
    title: str,
    max_learners: str = "",
    instructor: str = CLAIRE,
) -> int:
    """A session of `title` on a GoTo event, its times taken from GoTo; its number."""
    if not any(e.title == title for e in await stack.rows(LearningElement)):
        await stack.command(f"element new {title}")
    element = next(e for e in await stack.rows(LearningElement) if e.title == title)
    form = SessionForm(
        element_id=element.id,
        location_id=location.id,
        instructor_id=instructor,
        timezone="Europe/Berlin",
        max_learners=max_learners,
        goto_event=event_key,
    )
    checker = GoToEventChecker(stack.runtime.goto)
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        boss = await resolve_actor(uow, WS, BOSS, first_admins=[BOSS])
        await uow.commit()
    created = await sessions.create_session(
        lambda: SqlUnitOfWork(stack.runtime.factory), boss, form, goto=checker
    )
    assert created.session.id is not None
    return created.session.id


@pytest.fixture
async def teams(stack: Stack) -> dict[str, int]:
    """BOSS administers Sales (active) and Support; Ben learns and Claire teaches in Sales."""
    found = await admin_with_teams(stack)
    await stack.command(f"team add <@{BEN}> learner")
    await stack.command(f"team add <@{CLAIRE}> instructor")
    return found


@pytest.fixture
async def alice(stack: Stack, teams: dict[str, int]) -> Location:
    """A webinar location linked to alice@example.com (no limit of its own); GoTo emails
    registrants."""
    return await linked(stack, teams, "alice@example.com", "Webinar Room", max_learners="")


def registrants(stack: Stack, product: str, key: str) -> dict[str, Any]:
    """The sandbox's registrants of an event, by email."""
    events = stack.goto_state.webinars if product == "webinar" else stack.goto_state.trainings
    return {r.email: r for r in events[int(key)].registrants.values()}


async def enrollment(stack: Stack, session_id: int, user_id: str) -> Enrollment | None:
    return next(
        (
            e
            for e in await stack.rows(Enrollment)
            if e.session_id == session_id and e.user_id == user_id
        ),
        None,
    )


async def click_register(stack: Stack, user: str, session_id: int) -> str:
    """Click Register on the session in `/vilt sessions`; the ephemeral answer."""
    await stack.command("sessions", user=user)
    listed = stack.standin.calls_to("response_url")[-1].args
    blocks = listed["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    before = len(stack.standin.calls_to("response_url"))
    response = await stack.slack.block_action(
        REGISTER_ACTION,
        user_id=user,
        team_id=WS,
        message={"blocks": blocks},
        value=str(session_id),
        is_ephemeral=True,
    )
    assert response.status_code == 200
    calls = await stack.standin.wait_for("response_url", count=before + 1, timeout=30)
    answer = calls[before].args
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    return str(answer["text"])


async def slow_command(stack: Stack, text: str, user: str) -> str:
    """`/vilt text`'s ephemeral answer, waiting as long as GoTo's retries may take."""
    before = len(stack.standin.calls_to("response_url"))
    response = await stack.slack.slash(text, user_id=user, team_id=WS)
    assert response.status_code == 200
    calls = await stack.standin.wait_for("response_url", count=before + 1, timeout=30)
    return str(calls[before].args.get("text", ""))


def dms_to(stack: Stack, user: str, about: str) -> list[str]:
    """Direct messages the bot sent `user` that mention `about`."""
    return [
        str(c.args.get("text"))
        for c in stack.standin.calls_to("chat.postMessage")
        if c.args.get("channel") == user and about in str(c.args.get("text"))
    ]


async def test_a_learner_registers_from_the_list_and_goto_has_them(
    stack: Stack, alice: Location
) -> None:
    session_id = await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")
    said = await click_register(stack, BEN, session_id)
    assert said == (
        f":white_check_mark: You are registered for *Product Update* (session `#{session_id}`). "
        "GoTo emails the join link to ben@acme.test."
    )
    on_goto = registrants(stack, "webinar", PRODUCT_UPDATE)["ben@acme.test"]
    assert (on_goto.first_name, on_goto.last_name) == ("Ben", "Learner")
    stored = await enrollment(stack, session_id, BEN)
    assert stored is not None and stored.status is EnrollmentStatus.REGISTERED
    assert stored.goto_registrant_key == str(on_goto.registrant_key)
    assert stored.join_url and f"/{on_goto.registrant_key}" in stored.join_url
    assert (stored.name, stored.email) == ("Ben Learner", "ben@acme.test")

    # Twice: harmless, with the link again; GoTo is not asked again.
    asked = len(stack.goto_state.requests)
    again = await stack.command(f"register {session_id}", user=BEN)
    assert again == (
        f"You are already registered for *Product Update* (session `#{session_id}`). "
        f"Join it here: <{stored.join_url}|join link>"
    )
    assert len(stack.goto_state.requests) == asked
    assert len(registrants(stack, "webinar", PRODUCT_UPDATE)) == 2  # Dana and Ben


async def test_with_goto_notifications_off_the_join_link_comes_by_dm(
    stack: Stack, teams: dict[str, int]
) -> None:
    bob = await linked(stack, teams, "bob@example.com", "Quiet Room", goto_notifications=[])
    session_id = await schedule(stack, bob, LEADERSHIP, "Leadership")
    said = await stack.command(f"register #{session_id}", user=BEN)
    assert "I sent you the join link in a direct message" in said
    await stack.runtime.outbox.deliver_due()
    stored = await enrollment(stack, session_id, BEN)
    assert stored is not None and stored.join_url
    (dm,) = dms_to(stack, BEN, "Leadership")
    assert dm == (
        f":white_check_mark: You are registered for *Leadership* (session `#{session_id}`). "
        f"Join it here: <{stored.join_url}|join link>"
    )


async def test_full_by_the_sessions_own_limit(stack: Stack, alice: Location) -> None:
    session_id = await schedule(
        stack, alice, PRODUCT_UPDATE, "Product Update", max_learners="1", instructor=BOSS
    )
    await stack.command(f"register {session_id}", user=BEN)
    full = await stack.command(f"register {session_id}", user=CLAIRE)
    assert (
        full
        == f"*Product Update* (session `#{session_id}`) is full (1 place); you are not registered."
    )
    assert await enrollment(stack, session_id, CLAIRE) is None
    assert "claire@acme.test" not in registrants(stack, "webinar", PRODUCT_UPDATE)


async def test_the_instructor_cannot_register_for_the_session_they_teach(
    stack: Stack, alice: Location
) -> None:
    session_id = await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")
    refused = (
        f"You teach *Product Update* (session `#{session_id}`); you cannot register as a "
        "learner in a session you teach."
    )
    assert await stack.command(f"register {session_id}", user=CLAIRE) == refused
    # `/vilt sessions` offers her no Register button; one in an older message says no too.
    await stack.command("sessions", user=CLAIRE)
    listed = str(stack.standin.calls_to("response_url")[-1].args["blocks"])
    assert "You teach this session" in listed and REGISTER_ACTION not in listed
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Register"},
        "action_id": REGISTER_ACTION,
        "value": str(session_id),
    }
    older = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "accessory": button}]
    before = len(stack.standin.calls_to("response_url"))
    response = await stack.slack.block_action(
        REGISTER_ACTION,
        user_id=CLAIRE,
        team_id=WS,
        message={"blocks": older},
        value=str(session_id),
        is_ephemeral=True,
    )
    assert response.status_code == 200
    calls = await stack.standin.wait_for("response_url", count=before + 1, timeout=30)
    assert calls[before].args["text"] == refused
    assert await enrollment(stack, session_id, CLAIRE) is None
    assert "claire@acme.test" not in registrants(stack, "webinar", PRODUCT_UPDATE)


async def test_full_by_gotos_registration_limit(stack: Stack, alice: Location) -> None:
    session_id = await schedule(stack, alice, SMALL_WORKSHOP, "Workshop")
    async with stack.runtime.goto.client_for(alice) as goto:
        for who in ("x@example.org", "y@example.org"):
            await goto.webinar.create_registrant(
                "1000000001", SMALL_WORKSHOP, first_name="X", last_name="Y", email=who
            )
    full = await stack.command(f"register {session_id}", user=BEN)
    assert full == (
        f"*Workshop* (session `#{session_id}`) is full on GoTo; you are not registered."
    )
    assert await enrollment(stack, session_id, BEN) is None
    # The instructor is told once that GoTo's limit filled the session.
    await stack.command(f"register {session_id}", user=BOSS)
    await stack.runtime.outbox.deliver_due()
    (alert,) = dms_to(stack, CLAIRE, "is full")
    assert alert.startswith(
        "*Workshop* at *Webinar Room* is full: GoTo's registration limit for the event is "
        "reached (0 registered through Slack)"
    )


async def test_required_fields_tell_the_learner_and_alert_the_admins_once(
    stack: Stack, alice: Location
) -> None:
    session_id = await schedule(stack, alice, SECURITY_BASICS, "Security Basics")
    said = await stack.command(f"register {session_id}", user=BEN)
    fields = "organization, What is your role?, Employee ID"
    assert said == (
        f"I could not register you for *Security Basics* (session `#{session_id}`): "
        f"its GoTo registration form requires more than your name and email ({fields}). The "
        "session's admins have been told; you are not registered."
    )
    await stack.command(f"register {session_id}", user=CLAIRE)
    await stack.runtime.outbox.deliver_due()
    (alert,) = dms_to(stack, BOSS, "Security Basics")
    assert "*organization*, *What is your role?*, *Employee ID*" in alert
    assert f"`{SECURITY_BASICS}`" in alert
    assert await stack.rows(Enrollment) == []


async def test_goto_down_queues_the_registration_and_the_job_completes_it_once(
    stack: Stack, alice: Location
) -> None:
    session_id = await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")
    async with httpx.AsyncClient() as http:
        fault = {"status": 503, "count": 5, "path_contains": "/registrants"}
        assert (await http.post(f"{stack.goto_url}/_sandbox/faults", json=fault)).is_success
    # The GoTo client retries the 503s (up to about 8 s) before the answer is given.
    said = await slow_command(stack, f"register {session_id}", BEN)
    assert said == (
        ":hourglass_flowing_sand: Your registration for *Product Update* (session "
        f"`#{session_id}`) is queued: GoTo is not answering right now. I will try again and "
        "tell you here when you are registered."
    )
    queued = await enrollment(stack, session_id, BEN)
    assert queued is not None and queued.status is EnrollmentStatus.PENDING
    assert "ben@acme.test" not in registrants(stack, "webinar", PRODUCT_UPDATE)

    job = retry_registrations_job(
        lambda: SqlUnitOfWork(stack.runtime.factory),
        stack.runtime.deps.goto_registrar,
        clock=lambda: utcnow() + timedelta(minutes=1),
    )
    await job()
    await job()
    await stack.runtime.outbox.deliver_due()
    done = await enrollment(stack, session_id, BEN)
    assert done is not None and done.status is EnrollmentStatus.REGISTERED and done.join_url
    assert "ben@acme.test" in registrants(stack, "webinar", PRODUCT_UPDATE)
    assert dms_to(stack, BEN, "Product Update") == [
        f":white_check_mark: You are registered for *Product Update* (session `#{session_id}`) "
        "now. GoTo emails the join link to ben@acme.test."
    ]


async def test_training_409_fetches_the_earlier_registration(
    stack: Stack, teams: dict[str, int]
) -> None:
    trudy = await linked(
        stack,
        teams,
        "trudy@example.com",
        "Training Room",
        kind="gototraining",
        consumer_key=TRAINING_KEY,
        consumer_secret=TRAINING_SECRET,
    )
    session_id = await schedule(stack, trudy, DATA_PROTECTION, "Data Protection")
    async with stack.runtime.goto.client_for(trudy) as goto:
        earlier = await goto.training.register(
            "2000000001", DATA_PROTECTION, first_name="Ben", last_name="L", email="ben@acme.test"
        )
    said = await stack.command(f"register {session_id}", user=BEN)
    assert said == (
        f"You are already registered for *Data Protection* (session `#{session_id}`). "
        f"Join it here: <{earlier.join_url}|join link>"
    )
    stored = await enrollment(stack, session_id, BEN)
    assert stored is not None and stored.goto_registrant_key == earlier.registrant_key
    assert len(registrants(stack, "training", DATA_PROTECTION)) == 1


async def test_unregistering_deletes_the_goto_registrant(stack: Stack, alice: Location) -> None:
    session_id = await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")
    await stack.command(f"register {session_id}", user=BEN)
    assert "ben@acme.test" in registrants(stack, "webinar", PRODUCT_UPDATE)
    said = await stack.command(f"unregister {session_id}", user=BEN)
    assert said == (
        f":white_check_mark: You are no longer registered for *Product Update* (session "
        f"`#{session_id}`); your seat is free for someone else."
    )
    assert "ben@acme.test" not in registrants(stack, "webinar", PRODUCT_UPDATE)
    stored = await enrollment(stack, session_id, BEN)
    assert stored is not None and stored.status is EnrollmentStatus.CANCELLED
    assert await stack.command(f"unregister {session_id}", user=BEN) == (
        f":warning: You are not registered for *Product Update* (session `#{session_id}`)."
    )


async def test_register_clicked_in_app_home_answers_by_dm(stack: Stack, alice: Location) -> None:
    session_id = await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Register"},
        "action_id": REGISTER_ACTION,
        "value": str(session_id),
    }
    home = {
        "type": "home",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "accessory": button}
        ],
    }
    assert stack.standin.base_url is not None
    slack = AsyncWebClient(token=TOKEN, base_url=stack.standin.base_url)
    published = await slack.views_publish(user_id=BEN, view=home)
    before = len(stack.standin.calls_to("chat.postMessage"))
    response = await stack.slack.block_action(
        REGISTER_ACTION, user_id=BEN, team_id=WS, view=published["view"]
    )
    assert response.status_code == 200
    calls = await stack.standin.wait_for("chat.postMessage", count=before + 1, timeout=30)
    assert calls[before].args["channel"] == BEN
    assert "You are registered for *Product Update*" in str(calls[before].args["text"])


async def test_register_people_with_three_users_and_a_channel(
    stack: Stack, alice: Location
) -> None:
    stack.standin.add_user(WS, DAN, "dan", "dan@acme.test", real_name="Dan Diaz")
    stack.standin.add_user(WS, EVE, "eve", "", real_name="Eve Evans")
    stack.standin.add_channel(WS, ONBOARDING, "onboarding")
    stack.standin.add_members(WS, ONBOARDING, [DAN, EVE, BEN])
    session_id = await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")
    await stack.command(f"register {session_id}", user=BEN)

    # A learner's click opens a modal that says no.
    refused = await open_people_modal(stack, BEN, session_id)
    assert "Only admins of team *Sales* register people" in json.dumps(refused)

    view = await open_people_modal(stack, BOSS, session_id)
    assert [b.get("block_id") for b in view["blocks"]][1:] == ["people", "channel"]
    nothing = await stack.slack.view_submission(view, {}, user_id=BOSS, team_id=WS)
    assert json.loads(nothing.text)["errors"] == {
        "people": "Choose people, a channel whose members to register, or both."
    }
    before = len(stack.standin.calls_to("chat.update"))
    response = await stack.slack.view_submission(
        view,
        {"people": [BEN, CLAIRE, ROBOT], "channel": ONBOARDING},
        user_id=BOSS,
        team_id=WS,
    )
    assert response.status_code == 200 and response.text.strip() == ""
    final = await wait_for_report(stack, before)
    progress = stack.standin.calls_to("chat.update")[before].args["text"]
    starts = next(s for s in await stack.rows(Session) if s.id == session_id).starts_at
    when = mrkdwn.date(starts, "{date_short_pretty} {time}")
    about = f"*Product Update* (session `#{session_id}`, {when})"
    assert progress == (f":hourglass_flowing_sand: Registering 5 people for {about}… 0 of 5 done.")
    lines = final["blocks"][1]["text"]["text"].split("\n")
    assert lines == [
        f"• <@{BEN}> — already registered",
        f"• <@{CLAIRE}> — failed: teaches this session",
        f"• <@{ROBOT}> — failed: a bot",
        f"• <@{DAN}> — registered",
        f"• <@{EVE}> — failed: no email address in Slack",
    ]
    assert final["text"] == (
        f"Registering 5 people for {about} is done: 1 registered, 1 already registered, 3 failed."
    )
    on_goto = registrants(stack, "webinar", PRODUCT_UPDATE)
    assert {"ben@acme.test", "dan@acme.test"} <= set(on_goto)
    assert "claire@acme.test" not in on_goto
    # Dan is told by DM who registered him, for which session and when; nobody else is.
    await stack.runtime.outbox.deliver_due()
    (told,) = dms_to(stack, DAN, "registered you")
    assert told.startswith(
        f":white_check_mark: <@{BOSS}> registered you for *Product Update* (session "
        f"`#{session_id}`), <!date^"
    )
    assert told.endswith(". GoTo emails the join link to dan@acme.test.")
    assert [dms_to(stack, who, "registered you") for who in (BEN, CLAIRE, EVE)] == [[], [], []]
    started = [c for c in stack.standin.calls_to("chat.postMessage") if c.args["channel"] == BOSS]
    assert f"Registering people for {about}" in str(started[-1].args["text"])


async def open_people_modal(stack: Stack, user: str, session_id: int) -> dict[str, Any]:
    before = len(stack.standin.calls_to("views.update"))
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Register people"},
        "action_id": REGISTER_PEOPLE_ACTION,
        "value": str(session_id),
    }
    message = {
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "accessory": button}
        ]
    }
    response = await stack.slack.block_action(
        REGISTER_PEOPLE_ACTION, user_id=user, team_id=WS, message=message, channel_id=TRAINING
    )
    assert response.status_code == 200
    calls = await stack.standin.wait_for("views.update", count=before + 1)
    view = stack.standin.view(calls[before].args["view_id"])
    assert view is not None
    return view


async def wait_for_report(stack: Stack, before: int) -> dict[str, Any]:
    """The last chat.update of the Register people message, once it holds the report."""
    for count in range(before + 1, before + 50):
        calls = await stack.standin.wait_for("chat.update", count=count, timeout=30)
        args = calls[-1].args
        if "is done" in str(args.get("text")):
            blocks = args["blocks"]
            return {**args, "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}
    raise AssertionError("no report")


async def test_forty_people_register_at_gotos_pace_without_a_429(
    stack: Stack, alice: Location
) -> None:
    people = [f"U0P{n:07d}" for n in range(40)]
    stack.standin.add_channel(WS, ONBOARDING, "onboarding")
    for n, user_id in enumerate(people):
        stack.standin.add_user(WS, user_id, f"p{n}", f"p{n}@acme.test", real_name=f"P {n}")
    stack.standin.add_members(WS, ONBOARDING, people)
    session_id = await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")
    async with httpx.AsyncClient() as http:
        limit = {"rate_limit_per_second": 10}
        assert (await http.post(f"{stack.goto_url}/_sandbox/settings", json=limit)).is_success
    view = await open_people_modal(stack, BOSS, session_id)
    stack.goto_state.requests.clear()
    before = len(stack.standin.calls_to("chat.update"))
    started = time.perf_counter()
    await stack.slack.view_submission(view, {"channel": ONBOARDING}, user_id=BOSS, team_id=WS)
    final = await wait_for_report(stack, before)
    took = time.perf_counter() - started
    assert final["text"].startswith(
        f"Registering 40 people for *Product Update* (session `#{session_id}`, "
    )
    assert final["text"].endswith(") is done: 40 registered.")
    sent = list(stack.goto_state.requests)
    assert [r["status"] for r in sent] == [201] * 40
    # GoTo takes 10 requests a second: the floor is 4 s, and the batch keeps close to it.
    assert 3.5 <= took <= 20, took
    assert len(await stack.rows(Enrollment)) == 40


async def test_a_training_registration_goto_has_not_published_is_queued_until_it_is(
    stack: Stack, teams: dict[str, int]
) -> None:
    trudy = await linked(
        stack,
        teams,
        "trudy@example.com",
        "Training Room",
        kind="gototraining",
        consumer_key=TRAINING_KEY,
        consumer_secret=TRAINING_SECRET,
    )
    session_id = await schedule(stack, trudy, DATA_PROTECTION, "Data Protection")
    async with httpx.AsyncClient() as http:
        lag = {"training_registrant_lag_seconds": 3600}
        assert (await http.post(f"{stack.goto_url}/_sandbox/settings", json=lag)).is_success
    async with stack.runtime.goto.client_for(trudy) as goto:
        earlier = await goto.training.register(
            "2000000001", DATA_PROTECTION, first_name="Ben", last_name="L", email="ben@acme.test"
        )
    said = await stack.command(f"register {session_id}", user=BEN)
    assert said == (
        ":hourglass_flowing_sand: Your registration for *Data Protection* (session "
        f"`#{session_id}`) is queued: GoTo has the registration but has not published its join "
        "link yet. I will try again and tell you here when you are registered."
    )
    stack.goto_clock.advance(2 * 3600)
    job = retry_registrations_job(
        lambda: SqlUnitOfWork(stack.runtime.factory),
        stack.runtime.deps.goto_registrar,
        clock=lambda: utcnow() + timedelta(minutes=1),
    )
    await job()
    await stack.runtime.outbox.deliver_due()
    stored = await enrollment(stack, session_id, BEN)
    assert stored is not None and stored.status is EnrollmentStatus.REGISTERED
    assert (stored.goto_registrant_key, stored.join_url) == (
        earlier.registrant_key,
        earlier.join_url,
    )
    assert len(dms_to(stack, BEN, "Data Protection")) == 1


async def test_the_scheduler_retries_queued_registrations(stack: Stack) -> None:
    scheduler = stack.runtime.start_scheduler()
    try:
        assert {"deliver_notices", "retry_registrations"} <= {j.id for j in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)


async def test_register_people_on_app_home_opens_the_modal(stack: Stack, alice: Location) -> None:
    session_id = await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")
    before = len(stack.standin.calls_to("views.publish"))
    assert (await stack.slack.app_home_opened(BOSS, WS)).status_code == 200
    await stack.standin.wait_for("views.publish", count=before + 1)
    home = next(v for v in reversed(stack.standin.views(WS)) if v.get("type") == "home")
    assert f'"value": "{session_id}"' in json.dumps(home)
    opened = len(stack.standin.calls_to("views.update"))
    response = await stack.slack.block_action(
        REGISTER_PEOPLE_ACTION, user_id=BOSS, team_id=WS, view=home, value=str(session_id)
    )
    assert response.status_code == 200
    calls = await stack.standin.wait_for("views.update", count=opened + 1)
    modal = stack.standin.view(calls[opened].args["view_id"])
    assert modal is not None and modal["callback_id"] == "register_people"
    assert [b.get("block_id") for b in modal["blocks"]][1:] == ["people", "channel"]


async def test_webinar_409_gives_the_earlier_registration(stack: Stack, alice: Location) -> None:
    session_id = await schedule(stack, alice, PRODUCT_UPDATE, "Product Update")
    async with stack.runtime.goto.client_for(alice) as goto:
        earlier = await goto.webinar.create_registrant(
            "1000000001", PRODUCT_UPDATE, first_name="Ben", last_name="L", email="ben@acme.test"
        )
    said = await stack.command(f"register {session_id}", user=BEN)
    assert said == (
        f"You are already registered for *Product Update* (session `#{session_id}`). "
        f"Join it here: <{earlier.join_url}|join link>"
    )
    stored = await enrollment(stack, session_id, BEN)
    assert stored is not None and stored.status is EnrollmentStatus.REGISTERED
    assert stored.goto_registrant_key == earlier.registrant_key
    assert len(registrants(stack, "webinar", PRODUCT_UPDATE)) == 2  # Dana and Ben, once
