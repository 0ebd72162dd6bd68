"""The console's guided tour: from a fresh sandbox nothing is ticked and step 1 is next; as the
product is driven through the console (commands, GoTo's consent page, registration, the GoTo
panel's play, clock and sync), each step is ticked in order. It costs two statements whatever
the data, and leaves no connection checked out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import event
from sqlmodel import select

from db.uow import SqlUnitOfWork
from domain.models import Enrollment, EnrollmentStatus, LearningElement, LocationKind, Session
from domain.rules import LocationForm
from domain.services import linking, locations, registration, sessions
from domain.services.identity import resolve_actor
from domain.session_rules import SessionForm
from domain.types import utcnow
from sandbox.console.tour import TourStep, _Progress, _steps, current, tour
from sandbox.console.workspace import GENERAL, TRAINING, person_named
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_TEAM
from tests.e2e.locations_flow import WEBINAR_KEY, WEBINAR_SECRET, consent
from tests.sandbox_console.conftest import Sandbox
from tests.sandbox_console.test_console_goto_panel import (
    IAN,
    LEA,
    LEO,
    PRODUCT_UPDATE,
    World,
    build_world,
    played_form,
    shown_on,
)
from tests.sandbox_console.test_console_http import send

KEYS = ["team", "people", "location", "link", "session", "register", "play", "time", "sync"]
KEYS.append("report")
ADMIN = {"user": SANDBOX_ADMIN, "channel": GENERAL}


def ticked(steps: list[TourStep]) -> list[str]:
    return [step.key for step in steps if step.done]


async def expect_ticked(sandbox: Sandbox, count: int) -> list[TourStep]:
    """The first `count` steps are ticked, the rest are not, and the next one is current."""
    steps = await tour(sandbox.runtime, sandbox.console.goto)
    assert [step.key for step in steps] == KEYS
    assert ticked(steps) == KEYS[:count]
    step = current(steps)
    assert (step.key if step else None) == (KEYS[count] if count < len(KEYS) else None)
    return steps


async def test_a_fresh_sandbox_starts_the_tour_at_creating_a_team(sandbox: Sandbox) -> None:
    steps = await expect_ticked(sandbox, 0)
    first = steps[0]
    assert first.title == "Create a team" and first.person == SANDBOX_ADMIN
    assert [(f.text, f.label) for f in first.fills] == [("team new Sales #training",) * 2]
    people = {step.key: step.person for step in steps}
    assert people["register"] == LEA and people["people"] == SANDBOX_ADMIN
    assert [f.text for f in steps[1].fills] == [
        "team add @Ian instructor",
        "team add @Lea learner",
        "team add @Leo learner",
    ]
    assert "demo-webinar-app" in steps[2].how and "demo-webinar-secret" in steps[2].how
    assert "alice@example.com" in steps[3].how


def test_every_how_is_a_sentence_or_two_of_plain_text() -> None:
    """The page shows `how` escaped, as it is: no markup that would show as stray marks."""
    for step in _steps(_Progress()):
        assert not set(step.how) & set("<>&`*_"), step.key
        assert step.how.count(". ") <= 1 and len(step.how) <= 200, step.key
        assert step.person is None or person_named(step.person) is not None


async def test_the_ticks_follow_the_product_through_the_whole_tour(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    runtime = sandbox.runtime
    # The panel's button runs the sync here, not the job that runs every minute on its own.
    assert runtime.scheduler is not None
    runtime.scheduler.pause_job("sync_attendance")

    await send(http, SANDBOX_ADMIN, f"team new Sales <#{TRAINING}|training>")
    await expect_ticked(sandbox, 1)
    await send(http, SANDBOX_ADMIN, f"team add <@{IAN}> instructor")
    await send(http, SANDBOX_ADMIN, f"team add <@{LEA}> learner")
    await expect_ticked(sandbox, 1)
    await send(http, SANDBOX_ADMIN, f"team add <@{LEO}> learner")
    await expect_ticked(sandbox, 2)

    async with SqlUnitOfWork(runtime.factory) as uow:
        ada = await resolve_actor(uow, SANDBOX_TEAM, SANDBOX_ADMIN, first_admins=[SANDBOX_ADMIN])
        team = ada.require_admin_of_active()
        assert team.id is not None
        classroom = LocationForm(
            name="Room 1", kind="classroom", owner_team_id=team.id, team_ids=[team.id]
        )
        await locations.create_location(uow, ada, classroom, sealer=runtime.box)
        await uow.commit()
    # A classroom is not the GoToWebinar location the tour asks for.
    await expect_ticked(sandbox, 2)
    async with SqlUnitOfWork(runtime.factory) as uow:
        webinar = LocationForm(
            name="Online room",
            kind=LocationKind.GOTOWEBINAR.value,
            owner_team_id=team.id,
            team_ids=[team.id],
            consumer_key=WEBINAR_KEY,
            consumer_secret=WEBINAR_SECRET,
        )
        location = await locations.create_location(uow, ada, webinar, sealer=runtime.box)
        assert location.id is not None
        state = await linking.start_link(uow, ada, location.id, now=utcnow())
        await uow.commit()
    await expect_ticked(sandbox, 3)

    async with httpx.AsyncClient(timeout=10) as browser:
        landing = await consent(browser, runtime.deps.link_url(state), account="alice@example.com")
    assert "linked correctly" in landing.text
    await expect_ticked(sandbox, 4)

    await send(http, SANDBOX_ADMIN, "element new Negotiation")
    await expect_ticked(sandbox, 4)
    async with runtime.factory() as db:
        (element,) = (await db.execute(select(LearningElement))).scalars().all()
    created = await sessions.create_session(
        runtime.deps.uow,
        ada,
        SessionForm(
            element_id=element.id,
            location_id=location.id,
            instructor_id=IAN,
            timezone="Europe/Berlin",
            goto_event=PRODUCT_UPDATE,
            tracking="all_polls_answered",
        ),
        goto=runtime.deps.goto_events,
    )
    session_id = created.session.id
    assert session_id is not None
    await expect_ticked(sandbox, 5)

    for count, learner in ((5, LEA), (6, LEO)):
        # The step's command is for the learner still to register.
        steps = await expect_ticked(sandbox, 5)
        assert steps[5].person == learner
        user = await runtime.deps.directory.user(SANDBOX_TEAM, learner)
        await registration.register_other(
            runtime.deps.uow,
            ada,
            session_id,
            learner,
            user,
            goto=runtime.deps.goto_registrar,
            now=utcnow(),
        )
        await expect_ticked(sandbox, count)

    event = sandbox.console.goto.webinars[int(PRODUCT_UPDATE)]
    keys = {r.email: str(r.registrant_key) for r in event.registrants.values()}
    world = World(session_id=session_id, keys=keys)
    played = await http.post(
        "/sandbox/goto/play",
        data=played_form(world, lea={"polls": (1, 2, 3)}, leo={"minutes": 60, "polls": (1, 3)}),
    )
    assert "2 of 3 registrants attended" in shown_on(played.text)
    await expect_ticked(sandbox, 7)

    moved = await http.post("/sandbox/goto/clock", data={**ADMIN, "advance": "172800"})
    assert "Moved time +2 days" in shown_on(moved.text)
    await expect_ticked(sandbox, 8)

    synced = await http.post("/sandbox/goto/sync", data={**ADMIN, "session": ""})
    assert "Lea Learner → complete" in shown_on(synced.text)
    await expect_ticked(sandbox, 9)

    await http.post("/sandbox/goto/clock", data={**ADMIN, "advance": "172800"})
    final = await http.post("/sandbox/goto/sync", data={**ADMIN, "session": ""})
    assert "report posted" in shown_on(final.text)
    reports = [
        m for m in sandbox.console.standin.messages(TRAINING) if "Completion report" in str(m)
    ]
    assert reports
    await expect_ticked(sandbox, 10)


async def test_an_unplayed_session_whose_end_has_passed_does_not_tick_play_or_time(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    assert sandbox.runtime.scheduler is not None
    sandbox.runtime.scheduler.pause_job("sync_attendance")
    await build_world(sandbox, http)
    await http.post("/sandbox/goto/clock", data={**ADMIN, "advance": "172800"})
    steps = await expect_ticked(sandbox, 6)
    assert not steps[7].done  # time has passed, but for a session nobody played yet


@dataclass
class Seen:
    """What the test's own task did on the runtime's engine: statements, connections taken
    from the pool and given back (the console's stream and the bot's jobs run beside it)."""

    statements: list[str] = field(default_factory=list)
    taken: int = 0
    held: set[int] = field(default_factory=set)  # taken and not given back yet


@contextmanager
def watched(sandbox: Sandbox) -> Iterator[Seen]:
    """Watch the runtime's engine while the block runs, for this task only."""
    seen = Seen()
    task = asyncio.current_task()
    engine = sandbox.runtime.engine.sync_engine

    def mine() -> bool:
        return asyncio.current_task() is task

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if mine():
            seen.statements.append(" ".join(statement.split())[:80])

    def taken(connection: Any, *_args: Any) -> None:
        if mine():
            seen.taken += 1
            seen.held.add(id(connection))

    def returned(connection: Any, *_args: Any) -> None:
        # Given back by whichever task closes the session.
        seen.held.discard(id(connection))

    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine.pool, "checkout", taken)
    event.listen(engine.pool, "checkin", returned)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine.pool, "checkout", taken)
        event.remove(engine.pool, "checkin", returned)


async def more_sessions(sandbox: Sandbox, like: int, count: int) -> None:
    """`count` more sessions like session `like`, a day apart, each with Lea and Leo on it."""
    async with sandbox.runtime.factory() as db:
        model = await db.get(Session, like)
        assert model is not None
        for day in range(1, count + 1):
            copy = Session(
                **model.model_dump(exclude={"id", "starts_at", "ends_at"}),
                starts_at=model.starts_at + timedelta(days=day),
                ends_at=model.ends_at + timedelta(days=day),
            )
            db.add(copy)
            await db.flush()
            assert copy.id is not None
            for learner in (LEA, LEO):
                db.add(
                    Enrollment(
                        workspace_id=SANDBOX_TEAM,
                        session_id=copy.id,
                        user_id=learner,
                        status=EnrollmentStatus.REGISTERED,
                    )
                )
        await db.commit()


async def test_the_tour_costs_two_statements_for_1_session_as_for_30(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    assert sandbox.runtime.scheduler is not None
    sandbox.runtime.scheduler.pause_job("sync_attendance")
    world = await build_world(sandbox, http)
    await http.post("/sandbox/goto/play", data=played_form(world, lea={}, leo={}))

    with watched(sandbox) as one:
        steps = await tour(sandbox.runtime, sandbox.console.goto)
    assert ticked(steps) == KEYS[:7]
    # One connection, given back before the tour returns: no transaction is left open.
    assert (one.taken, one.held) == (1, set())

    await more_sessions(sandbox, world.session_id, 29)
    async with sandbox.runtime.factory() as db:
        assert len((await db.execute(select(Session))).scalars().all()) == 30
    with watched(sandbox) as thirty:
        steps = await tour(sandbox.runtime, sandbox.console.goto)
    assert ticked(steps) == KEYS[:7]
    assert (thirty.taken, thirty.held) == (1, set())
    assert len(one.statements) == len(thirty.statements) == 2, (one, thirty)
