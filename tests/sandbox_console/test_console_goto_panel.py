"""The console's GoTo sandbox panel over plain HTTP: a session of the bot on a GoTo webinar is
played (who attended, how long, which polls each answered), time moves for the bot and GoTo alike,
and bad input changes nothing."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta
from typing import TypedDict

import httpx
import pytest
from sqlmodel import select

from db.uow import SqlUnitOfWork
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    LocationKind,
    Session,
)
from domain.rules import LocationForm
from domain.services import linking, locations, registration, sessions
from domain.services.identity import resolve_actor
from domain.session_rules import SessionForm
from domain.types import utcnow
from sandbox.console.workspace import GENERAL, TRAINING
from sandbox.goto.records import Webinar
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_TEAM
from tests.e2e.locations_flow import (
    TRAINING_KEY,
    TRAINING_SECRET,
    WEBINAR_KEY,
    WEBINAR_SECRET,
    consent,
)
from tests.sandbox_console.conftest import Sandbox
from tests.sandbox_console.test_console_http import send, visible

IAN = "U0SANDINS1"
LEA = "U0SANDLEA1"
LEO = "U0SANDLEO1"
PRODUCT_UPDATE = "1234500002"  # alice's webinar tomorrow, three polls (default_scenario)
DATA_PROTECTION = "2234500006"  # trudy's training in three days, 90 minutes
POLLS = (
    "How familiar are you with the new dashboard?",
    "Which feature will you use first?",
    "Would you recommend this session?",
)


@dataclass
class World:
    """Sales with Ian, Lea and Leo, a linked GoTo location and session #1 on one of its events."""

    session_id: int
    keys: dict[str, str]  # GoTo registrant key by email


async def build_world(
    sandbox: Sandbox,
    http: httpx.AsyncClient,
    *,
    kind: LocationKind = LocationKind.GOTOWEBINAR,
    event_key: str = PRODUCT_UPDATE,
    tracking: str = "all_polls_answered",
) -> World:
    """Built the way Ada would: commands in the console, GoTo's consent page, real registration."""
    await send(http, SANDBOX_ADMIN, f"team new Sales <#{TRAINING}|training>")
    for who, role in ((IAN, "instructor"), (LEA, "learner"), (LEO, "learner")):
        await send(http, SANDBOX_ADMIN, f"team add <@{who}> {role}")
    await send(http, SANDBOX_ADMIN, "element new Negotiation")
    webinars = kind is LocationKind.GOTOWEBINAR
    runtime = sandbox.runtime
    units = runtime.deps.uow
    async with SqlUnitOfWork(runtime.factory) as uow:
        ada = await resolve_actor(uow, SANDBOX_TEAM, SANDBOX_ADMIN, first_admins=[SANDBOX_ADMIN])
        team = ada.require_admin_of_active()
        assert team.id is not None
        form = LocationForm(
            name="Online room",
            kind=kind.value,
            owner_team_id=team.id,
            team_ids=[team.id],
            consumer_key=WEBINAR_KEY if webinars else TRAINING_KEY,
            consumer_secret=WEBINAR_SECRET if webinars else TRAINING_SECRET,
        )
        location = await locations.create_location(uow, ada, form, sealer=runtime.box)
        assert location.id is not None
        state = await linking.start_link(uow, ada, location.id, now=utcnow())
        await uow.commit()
    account = "alice@example.com" if webinars else "trudy@example.com"
    async with httpx.AsyncClient(timeout=10) as browser:
        landing = await consent(browser, runtime.deps.link_url(state), account=account)
    assert "linked correctly" in landing.text
    async with runtime.factory() as db:
        (element,) = (await db.execute(select(LearningElement))).scalars().all()
    created = await sessions.create_session(
        units,
        ada,
        SessionForm(
            element_id=element.id,
            location_id=location.id,
            instructor_id=IAN,
            timezone="Europe/Berlin",
            goto_event=event_key,
            tracking=tracking,
        ),
        goto=runtime.deps.goto_events,
    )
    session_id = created.session.id
    assert session_id is not None
    for learner in (LEA, LEO):
        user = await runtime.deps.directory.user(SANDBOX_TEAM, learner)
        await registration.register_other(
            units, ada, session_id, learner, user, goto=runtime.deps.goto_registrar, now=utcnow()
        )
    goto = sandbox.console.goto
    event = (goto.webinars if webinars else goto.trainings)[int(event_key)]
    keys = {r.email: str(r.registrant_key) for r in event.registrants.values()}
    assert {"lea@example.com", "leo@example.com"} <= keys.keys()
    return World(session_id=session_id, keys=keys)


@pytest.fixture
async def world(sandbox: Sandbox, http: httpx.AsyncClient) -> World:
    """Session #1 on PRODUCT_UPDATE, complete when every poll is answered; Lea and Leo on it."""
    return await build_world(sandbox, http)


def shown_on(page: str) -> str:
    """The page's text as read, entities decoded."""
    return html.unescape(visible(page))


def webinar(sandbox: Sandbox) -> Webinar:
    return sandbox.console.goto.webinars[int(PRODUCT_UPDATE)]


async def bot_session(sandbox: Sandbox, session_id: int) -> Session:
    async with sandbox.runtime.factory() as db:
        found = await db.get(Session, session_id)
    assert found is not None
    return found


class Row(TypedDict, total=False):
    """One registrant's row of the play form; attended unless said otherwise."""

    attended: bool
    minutes: int | str
    polls: tuple[int, ...]


def played_form(world: World, **rows: Row) -> dict[str, str]:
    """The play form as the page posts it: per learner (by email) attended, minutes, polls."""
    data: dict[str, str] = {
        "user": SANDBOX_ADMIN,
        "channel": GENERAL,
        "session": str(world.session_id),
    }
    for email, row in rows.items():
        key = world.keys[f"{email}@example.com"]
        if row.get("attended", True):
            data[f"attended-{key}"] = "on"
        data[f"minutes-{key}"] = str(row.get("minutes", 90))
        for number in row.get("polls", ()):
            data[f"poll-{key}-{number}"] = "on"
    return data


async def test_the_panel_lists_the_session_its_registrants_and_the_webinars_polls(
    sandbox: Sandbox, http: httpx.AsyncClient, world: World
) -> None:
    page = (await http.get("/sandbox", params={"user": SANDBOX_ADMIN})).text
    shown = shown_on(page)
    assert "GoTo sandbox" in shown
    assert f"Negotiation · session #{world.session_id} · GoToWebinar {PRODUCT_UPDATE}" in shown
    assert "Complete when: answered every poll · 90 minutes" in shown
    for question in POLLS:
        assert question in shown
    for name, email in (("Lea Learner", "lea"), ("Leo Learner", "leo")):
        assert f"{name} {email}@example.com · registered" in shown
        assert f'aria-label="{name} answered poll 3"' in page
    for step in ("+30 min", "+2 h", "+1 day", "+2 days"):
        assert f">{step}</button>" in page
    assert "Run sync now" in shown and f"Sync session #{world.session_id} now" in shown


async def test_playing_records_attendance_and_poll_answers_at_the_scheduled_times(
    sandbox: Sandbox, http: httpx.AsyncClient, world: World
) -> None:
    answer = await http.post(
        "/sandbox/goto/play",
        data=played_form(world, lea={"polls": (1, 2, 3)}, leo={"minutes": 45, "polls": (1,)}),
    )
    assert answer.status_code == 200
    assert "#goto-panel" in str(answer.history[0].headers["location"])
    shown = shown_on(answer.text)
    assert f"Played session #{world.session_id} on the GoTo sandbox: 2 of 3 registrants" in shown
    assert "move time forward past that, then run sync" in shown

    session = await bot_session(sandbox, world.session_id)
    (played,) = webinar(sandbox).sessions
    assert (played.start, played.end) == (session.starts_at, session.ends_at)
    assert played.polls == list(POLLS)
    lea = played.attendance[int(world.keys["lea@example.com"])]
    leo = played.attendance[int(world.keys["leo@example.com"])]
    assert lea.seconds(session.ends_at) == 90 * 60
    assert leo.seconds(session.ends_at) == 45 * 60
    assert set(lea.poll_answers) == set(POLLS)
    assert leo.poll_answers == {POLLS[0]: ["Not at all"]}
    # GoTo's own API reports it once the clock passes the end (the bot's sync reads that).
    assert webinar(sandbox).sessions[0].reported(session.ends_at, 0)
    assert "Played on the GoTo sandbox: 2 attended" in shown
    # What GoTo recorded, per registrant (Dana registered on GoTo herself and was not there).
    assert "lea@example.com · registered attended 90 min · answered polls 1, 2, 3 of 3" in shown
    assert "leo@example.com · registered attended 45 min · answered poll 1 of 3" in shown
    assert "dana@example.org · not in viltbot did not attend" in shown

    again = await http.post("/sandbox/goto/play", data=played_form(world, lea={}, leo={}))
    assert f"Session #{world.session_id} was already played" in shown_on(again.text)
    assert len(webinar(sandbox).sessions) == 1


async def test_an_absent_learner_is_left_out_and_bad_rows_change_nothing(
    sandbox: Sandbox, http: httpx.AsyncClient, world: World
) -> None:
    too_long = await http.post(
        "/sandbox/goto/play", data=played_form(world, lea={"minutes": 91}, leo={"minutes": "x"})
    )
    shown = shown_on(too_long.text)
    assert "Lea Learner: minutes must be a number from 1 to 90." in shown
    assert "Leo Learner: minutes must be a number from 1 to 90." in shown
    absent_answering = await http.post(
        "/sandbox/goto/play",
        data=played_form(world, lea={}, leo={"attended": False, "polls": (2,)}),
    )
    assert "Leo Learner answered polls but did not attend." in shown_on(absent_answering.text)
    unknown = await http.post("/sandbox/goto/play", data={"user": SANDBOX_ADMIN, "session": "999"})
    assert "That session is not in the list." in shown_on(unknown.text)
    assert webinar(sandbox).sessions == []

    fine = await http.post(
        "/sandbox/goto/play", data=played_form(world, lea={"minutes": 30}, leo={"attended": False})
    )
    assert "1 of 3 registrants attended" in shown_on(fine.text)
    (played,) = webinar(sandbox).sessions
    assert list(played.attendance) == [int(world.keys["lea@example.com"])]
    assert played.attendance[int(world.keys["lea@example.com"])].poll_answers == {}


async def test_moving_time_moves_the_goto_sandbox_and_the_bots_clock_together(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    clock = sandbox.console.goto.clock
    before = clock.now()
    answer = await http.post(
        "/sandbox/goto/clock", data={"user": SANDBOX_ADMIN, "advance": "86400"}
    )
    assert "Moved time +1 day: it is now" in shown_on(answer.text)
    moved = clock.now() - before
    assert timedelta(days=1) <= moved < timedelta(days=1, minutes=1)
    # The outbox (and the bot's jobs) read the same clock.
    assert sandbox.runtime.outbox.clock() - utcnow() >= timedelta(hours=23, minutes=59)
    async with httpx.AsyncClient(base_url=sandbox.url) as goto:
        now = (await goto.get("/goto-sandbox/_sandbox/clock")).json()["now"]
    assert now.startswith(clock.now().strftime("%Y-%m-%dT%H"))

    refused = await http.post(
        "/sandbox/goto/clock", data={"user": SANDBOX_ADMIN, "advance": "-86400"}
    )
    assert "Time moves forward by one of the panel's steps only." in shown_on(refused.text)
    assert clock.now() - before < timedelta(days=1, minutes=1)


async def test_moving_time_brings_the_instructors_reminder(
    sandbox: Sandbox, http: httpx.AsyncClient, world: World
) -> None:
    """The panel runs the reminders job with each time move, as the bot does every minute: the
    instructor's day-before reminder arrives in his DM once the session is within a day."""
    async with sandbox.runtime.factory() as db:
        session = await db.get(Session, world.session_id)
    assert session is not None
    standin = sandbox.console.standin

    def reminders() -> list[str]:
        return [
            str(c.args.get("text"))
            for c in standin.calls_to("chat.postMessage")
            if c.args.get("channel") == IAN and "Reminder:" in str(c.args.get("text"))
        ]

    while not reminders():
        assert sandbox.runtime.clock() < session.starts_at, "no reminder before the start"
        await http.post("/sandbox/goto/clock", data={"user": SANDBOX_ADMIN, "advance": "7200"})
    (reminder,) = reminders()
    assert reminder.startswith("Reminder: *Negotiation* at *Online room* starts")


async def test_without_goto_sessions_the_panel_says_how_to_get_one(
    http: httpx.AsyncClient,
) -> None:
    shown = shown_on((await http.get("/sandbox")).text)
    assert "No session on a GoTo event yet: schedule one with /vilt session new" in shown


async def test_registrants_statuses_in_the_panel_are_the_bots(
    sandbox: Sandbox, http: httpx.AsyncClient, world: World
) -> None:
    async with sandbox.runtime.factory() as db:
        rows = (await db.execute(select(Enrollment))).scalars().all()
    assert {r.status for r in rows} == {EnrollmentStatus.REGISTERED}
    shown = shown_on((await http.get("/sandbox")).text)
    assert shown.count("· registered") == 2


def channel_texts(sandbox: Sandbox, channel_id: str) -> list[str]:
    return [str(m.get("text", "")) for m in sandbox.console.standin.messages(channel_id)]


def dm_texts(sandbox: Sandbox, user_id: str) -> list[str]:
    standin = sandbox.console.standin
    ims = [c.id for c in standin.channels.values() if c.is_im and c.user == user_id]
    return [text for im in ims for text in channel_texts(sandbox, im)]


async def test_sync_now_moves_statuses_and_the_final_run_posts_the_report(
    sandbox: Sandbox, http: httpx.AsyncClient, world: World
) -> None:
    # The button is what runs the sync here, not the job that runs every minute on its own.
    assert sandbox.runtime.scheduler is not None
    sandbox.runtime.scheduler.pause_job("sync_attendance")
    async with sandbox.runtime.factory() as db:
        session = await db.get(Session, world.session_id)
    assert session is not None
    sync = {"user": SANDBOX_ADMIN, "session": ""}

    early = shown_on((await http.post("/sandbox/goto/sync", data=sync)).text)
    assert "Sync now: no session is due." in early

    await http.post(
        "/sandbox/goto/play",
        data=played_form(world, lea={"polls": (1, 2, 3)}, leo={"minutes": 60, "polls": (1, 3)}),
    )
    # Tomorrow's webinar has ended two days from now, whatever the time of day the test runs.
    await http.post("/sandbox/goto/clock", data={"user": SANDBOX_ADMIN, "advance": "172800"})
    first = shown_on((await http.post("/sandbox/goto/sync", data=sync)).text)
    assert f"Sync now: #{world.session_id} Negotiation: 1 complete, 1 in progress;" in first
    assert "(Lea Learner → complete, Leo Learner → in progress)" in first
    assert "Lea Learner lea@example.com · complete" in first
    assert "Leo Learner leo@example.com · in progress" in first
    async with sandbox.runtime.factory() as db:
        rows = (await db.execute(select(Enrollment))).scalars().all()
    statuses = {r.user_id: (r.status, r.polls_answered, r.attended_minutes) for r in rows}
    assert statuses == {
        LEA: (EnrollmentStatus.COMPLETE, 3, 90),
        LEO: (EnrollmentStatus.IN_PROGRESS, 2, 60),
    }
    assert any("Negotiation" in text for text in dm_texts(sandbox, LEA))
    assert not [t for t in channel_texts(sandbox, TRAINING) if "Completion report" in t]

    await http.post("/sandbox/goto/clock", data={"user": SANDBOX_ADMIN, "advance": "172800"})
    final = shown_on((await http.post("/sandbox/goto/sync", data=sync)).text)
    assert f"Sync now: #{world.session_id} Negotiation: no changes;" in final
    assert "report posted" in final
    # After the final run the panel says what the report says: Leo did not complete.
    assert "Leo Learner leo@example.com · did not complete (final)" in final
    (report,) = [t for t in channel_texts(sandbox, TRAINING) if "Completion report" in t]
    assert f"Completion report for Negotiation (session #{world.session_id})" in report
    assert "1 of 2 complete (50%), 1 did not complete. Final." in report
    assert "Final" in report

    again = shown_on((await http.post("/sandbox/goto/sync", data=sync)).text)
    assert "Sync now: no session is due." in again


async def test_sync_of_one_session_runs_it_by_hand_once_it_has_ended(
    sandbox: Sandbox, http: httpx.AsyncClient, world: World
) -> None:
    page = shown_on((await http.get("/sandbox", params={"user": SANDBOX_ADMIN})).text)
    assert (
        f"Sync session #{world.session_id} now runs that one session's sync by hand at any time "
        "after its end, due or not (before its end it refuses)."
    ) in page
    forced = {"user": SANDBOX_ADMIN, "session": str(world.session_id)}
    said = shown_on((await http.post("/sandbox/goto/sync", data=forced)).text)
    assert (
        f"Sync now: #{world.session_id} Negotiation: not synced, the session has not ended yet"
    ) in said
    await http.post("/sandbox/goto/play", data=played_form(world, lea={"polls": (1, 2, 3)}))
    await http.post("/sandbox/goto/clock", data={"user": SANDBOX_ADMIN, "advance": "172800"})
    synced = shown_on((await http.post("/sandbox/goto/sync", data=forced)).text)
    assert f"Sync now: #{world.session_id} Negotiation: 1 complete" in synced
    unknown = {"user": SANDBOX_ADMIN, "session": "77"}
    assert "That session is not in the list." in shown_on(
        (await http.post("/sandbox/goto/sync", data=unknown)).text
    )


async def test_webinars_created_in_the_sandbox_get_polls_to_answer(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as goto:
        created = await goto.post(
            "/goto-sandbox/_sandbox/webinars",
            json={
                "organizer": "alice@example.com",
                "subject": "Made here",
                "times": [{"start": "+3d@10:00", "duration_minutes": 60}],
            },
        )
    assert created.status_code == 201, created.text
    made = sandbox.console.goto.webinars[int(created.json()["key"])]
    assert [p.question for p in made.polls] == [
        "Was the pace right for you?",
        "Will you use this at work next week?",
    ]
    # The demo scenario's own webinars keep the polls it gives them (none for this one).
    assert sandbox.console.goto.webinars[1234500001].polls == []


async def test_a_training_is_played_without_polls(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    world = await build_world(
        sandbox,
        http,
        kind=LocationKind.GOTOTRAINING,
        event_key=DATA_PROTECTION,
        tracking="attended",
    )
    page = (await http.get("/sandbox")).text
    shown = shown_on(page)
    assert f"session #{world.session_id} · GoToTraining {DATA_PROTECTION}" in shown
    assert "Complete when: attended · 90 minutes" in shown
    assert "Polls answered" not in shown and "answered poll" not in page
    answer = await http.post(
        "/sandbox/goto/play", data=played_form(world, lea={"minutes": 80}, leo={"attended": False})
    )
    shown = shown_on(answer.text)
    assert "1 of 2 registrants attended" in shown
    assert "lea@example.com · registered attended 80 min " in shown
    assert "leo@example.com · registered did not attend" in shown
    assert "· answered" not in shown
    (played,) = sandbox.console.goto.trainings[int(DATA_PROTECTION)].sessions
    (lea,) = played.attendance.values()
    assert lea.registrant_key == int(world.keys["lea@example.com"])
    assert lea.seconds(played.end or played.start) == 80 * 60
    assert played.polls == [] and lea.poll_answers == {}


async def test_revoking_a_connection_in_the_panel_fails_it_and_warns_the_team_once(
    sandbox: Sandbox, http: httpx.AsyncClient, world: World
) -> None:
    page = shown_on((await http.get("/sandbox")).text)
    assert "Online room · alice@example.com · connected as alice@example.com" in page
    async with sandbox.runtime.factory() as db:
        (location,) = (await db.execute(select(Location))).scalars().all()
    answer = await http.post(
        "/sandbox/goto/revoke", data={"user": SANDBOX_ADMIN, "location": str(location.id)}
    )
    shown = shown_on(answer.text)
    assert "Revoked the GoTo connection of Online room (alice@example.com) on GoTo" in shown
    assert "the connection shows as failed" in shown
    warnings = [t for t in channel_texts(sandbox, TRAINING) if "Online room" in t and "failed" in t]
    assert len(warnings) == 1 and "revoked" in warnings[0]
    # Moving time on runs the bot's connection jobs again: nothing is posted twice.
    moved = shown_on(
        (
            await http.post(
                "/sandbox/goto/clock", data={"user": SANDBOX_ADMIN, "advance": "604800"}
            )
        ).text
    )
    assert "Moved time +1 week" in moved
    again = [t for t in channel_texts(sandbox, TRAINING) if "Online room" in t and "failed" in t]
    assert again == warnings
    refused = shown_on(
        (
            await http.post("/sandbox/goto/revoke", data={"user": SANDBOX_ADMIN, "location": "x"})
        ).text
    )
    assert "That location is not in the list." in refused
