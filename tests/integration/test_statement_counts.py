"""The lists (`/vilt location list`, `element list`, `sessions`, `session list`), App Home
(with its locations and sessions) and `/vilt register` cost the same number of SQL statements for 1
row as for many.

Driven as a user would: signed requests into the running bot; every statement the request runs
against the database is counted, the actor's resolution in the middleware included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from db.uow import SqlUnitOfWork
from domain.models import Enrollment, EnrollmentStatus, Location, LocationKind, Session, WalkIn
from domain.rules import LocationForm
from domain.services import locations
from domain.services.identity import resolve_actor
from domain.types import utcnow
from handlers.session_views import REGISTER_ACTION
from tests.domain.fakes import FakeGoToEvents
from tests.e2e.conftest import ANN, BEN, BOSS, CLAIRE, TRAINING, WS, Stack
from tests.e2e.test_registration import open_people_modal, wait_for_report
from tests.handlers.sessions_data import MONDAY, element_id, place, schedule

# Enough for the actor (3), a page (4) and Home's recent results (1); the point is that it does
# not move with the data.
MOST = 9


class Statements:
    """The SQL statements an engine sends while a block runs."""

    def __init__(self, *engines: AsyncEngine) -> None:
        self.engines = [engine.sync_engine for engine in engines]
        self.seen: list[str] = []

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen.append(" ".join(statement.split())[:120])

    @asynccontextmanager
    async def during(self) -> AsyncIterator[list[str]]:
        """Collect what runs inside the block."""
        counted: list[str] = []
        self.seen = counted
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._record)
        try:
            yield counted
        finally:
            for engine in self.engines:
                event.remove(engine, "before_cursor_execute", self._record)


async def seed(stack: Stack, first: int, count: int) -> None:
    """`count` more locations, spread over both teams, half of them linked GoToWebinar rooms."""
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        boss = await resolve_actor(uow, WS, BOSS, first_admins=[BOSS])
        team_ids = sorted(boss.teams)
        for i in range(first, first + count):
            goto = i % 2 == 1
            owner = team_ids[i % len(team_ids)]
            form = LocationForm(
                name=f"Room {i:02}",
                kind="gotowebinar" if goto else "classroom",
                owner_team_id=owner,
                # Most are open to both teams; every third only to its owner.
                team_ids=[owner] if i % 3 == 2 else team_ids,
                description=f"Floor {i} #onsite",
                consumer_key=f"app-{i}" if goto else "",
                consumer_secret="secret" if goto else "",
            )
            location = await locations.create_location(uow, boss, form, sealer=stack.runtime.box)
            if goto and i % 4 == 1:
                location.goto_email = f"room{i}@example.com"
                location.connection_expires_at = utcnow().replace(year=utcnow().year + 1)
        await uow.commit()


async def teams_with_a_learner(stack: Stack) -> None:
    """BOSS administers Support and Sales; ANN learns in Sales (she sees what Sales may use)."""
    await stack.command(f"team new Support <#{TRAINING}|training>")
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{ANN}> learner")


async def list_locations(stack: Stack, user: str) -> str:
    return await stack.command("location list", user=user)


async def open_home(stack: Stack, user: str) -> str:
    before = len(stack.standin.calls_to("views.publish"))
    response = await stack.slack.app_home_opened(user, WS)
    assert response.status_code == 200
    calls = await stack.standin.wait_for("views.publish", count=before + 1)
    return str(calls[before].args["view"])


async def measure(
    stack: Stack, action: Callable[[Stack, str], Awaitable[str]], user: str, *, later: bool = False
) -> tuple[list[str], str]:
    """The statements one request runs (`later`: with what it goes on doing after its answer,
    on the engine with the jobs' longer waits), and what the user was shown."""
    engines = [stack.runtime.engine]
    if later:
        later_engine = stack.runtime.outbox.factory.kw["bind"]
        assert isinstance(later_engine, AsyncEngine)
        engines.append(later_engine)
    async with Statements(*engines).during() as statements:
        shown = await action(stack, user)
    return statements, shown


async def test_list_and_home_run_as_many_statements_for_50_locations_as_for_1(
    stack: Stack,
) -> None:
    await teams_with_a_learner(stack)
    await seed(stack, 0, 1)
    small = {
        (what.__name__, user): await measure(stack, what, user)
        for what in (list_locations, open_home)
        for user in (BOSS, ANN)
    }
    await seed(stack, 1, 49)
    assert await stack.count(Location) == 50
    large = {
        (what.__name__, user): await measure(stack, what, user)
        for what in (list_locations, open_home)
        for user in (BOSS, ANN)
    }

    assert small["list_locations", BOSS][1] == small["list_locations", ANN][1] == "1 location"
    assert "50 locations" in large["list_locations", BOSS][1]
    assert "more" in large["list_locations", BOSS][1]  # a page of 20 was shown
    # Home shows the active team's (Sales) locations: Room 13 is Sales', Room 14 only Support's.
    assert "Room 13" in large["open_home", BOSS][1]
    assert "Room 14" not in large["open_home", BOSS][1]
    for key, (statements, _) in large.items():
        few = small[key][0]
        assert len(statements) == len(few), (key, few, statements)
        assert len(statements) <= MOST, (key, statements)


async def list_elements(stack: Stack, user: str) -> str:
    return await stack.command("element list", user=user)


async def test_the_element_list_costs_as_many_statements_for_50_elements_as_for_1(
    stack: Stack,
) -> None:
    await teams_with_a_learner(stack)
    await stack.command("element new Course 00")
    small = {user: await measure(stack, list_elements, user) for user in (BOSS, ANN)}
    for i in range(1, 50):
        await stack.command(f"element new Course {i:02}")
    large = {user: await measure(stack, list_elements, user) for user in (BOSS, ANN)}
    assert small[ANN][1].endswith("• *Course 00* · no upcoming sessions")
    assert "• *Course 49* · no upcoming sessions" in large[ANN][1]
    for user, (statements, _) in large.items():
        few = small[user][0]
        assert len(statements) == len(few), (user, few, statements)
        # The actor's resolution and one statement for the whole list.
        assert len(statements) <= 4, (user, statements)


async def list_upcoming(stack: Stack, user: str) -> str:
    return await stack.command("sessions", user=user)


async def list_team_sessions(stack: Stack, user: str) -> str:
    return await stack.command("session list", user=user)


async def test_the_session_lists_cost_as_many_statements_for_30_sessions_as_for_1(
    stack: Stack,
) -> None:
    # Sessions at a classroom and a linked webinar room, the latter checked by a fake GoTo.
    await teams_with_a_learner(stack)
    await stack.command("element new Negotiation")
    room = await place(stack, "Room 1", available_to=["Sales"])
    goto = FakeGoToEvents()
    webinar = await place(
        stack,
        "Webinar Room",
        available_to=["Sales", "Support"],
        kind=LocationKind.GOTOWEBINAR,
        organizer_key="ORG-W",
    )

    async def add(day: int) -> None:
        starts_at = MONDAY + timedelta(days=day)
        if day % 2:
            key = f"10000000{day:02}"
            goto.add("ORG-W", key, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2))
            await schedule(
                stack,
                "Negotiation",
                webinar,
                CLAIRE,
                starts_at=starts_at,
                goto=goto,
                goto_event=key,
            )
        else:
            await schedule(stack, "Negotiation", room, CLAIRE, starts_at=starts_at)

    await add(0)
    # ANN is registered on every session: `/vilt sessions` shows her seat instead of a button.
    await seat_everywhere(stack, ANN)
    actions = ((list_upcoming, BOSS), (list_upcoming, ANN), (list_team_sessions, BOSS))
    small = {(what.__name__, user): await measure(stack, what, user) for what, user in actions}
    for day in range(1, 30):
        await add(day)
    await seat_everywhere(stack, ANN)
    large = {(what.__name__, user): await measure(stack, what, user) for what, user in actions}
    await list_upcoming(stack, ANN)
    listed = str(stack.standin.calls_to("response_url")[-1].args["blocks"])
    assert listed.count("You are registered") == 20
    assert REGISTER_ACTION not in listed  # no Register button on her own seats

    assert small["list_upcoming", ANN][1] == "*1 upcoming session*"
    assert large["list_upcoming", ANN][1].startswith("*30 upcoming sessions*\n…and 10 more")
    assert large["list_team_sessions", BOSS][1].startswith("*30 upcoming sessions* of team *Sales*")
    for key, (statements, _) in large.items():
        few = small[key][0]
        assert len(statements) == len(few), (key, few, statements)
        # The actor's resolution and one statement for the whole list.
        assert len(statements) <= 4, (key, statements)


async def seat_everywhere(stack: Stack, user: str) -> None:
    """`user` registered on every session they are not registered on yet, written directly."""
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        seated = {e.session_id for e in await stack.rows(Enrollment) if e.user_id == user}
        for session in await stack.rows(Session):
            assert session.id is not None
            if session.id not in seated:
                uow.session.add(
                    Enrollment(
                        workspace_id=WS,
                        session_id=session.id,
                        user_id=user,
                        status=EnrollmentStatus.REGISTERED,
                        join_url=f"https://goto.test/join/{session.id}",
                    )
                )
        await uow.commit()


async def test_registering_costs_as_many_statements_with_40_learners_as_with_1(
    stack: Stack,
) -> None:
    # Registering counts the seats taken: one statement, however many there are.
    await teams_with_a_learner(stack)
    await stack.command(f"team add <@{CLAIRE}> learner")
    await stack.command("element new Negotiation")
    room = await place(stack, "Room 1", available_to=["Sales"], max_learners="100")
    first = await schedule(stack, "Negotiation", room, BOSS)
    second = await schedule(stack, "Negotiation", room, BOSS, starts_at=MONDAY + timedelta(days=1))
    await seat_learners(stack, first, 1)
    await seat_learners(stack, second, 40)

    async def register(session_id: int) -> Callable[[Stack, str], Awaitable[str]]:
        async def run(stack: Stack, user: str) -> str:
            return await stack.command(f"register {session_id}", user=user)

        return run

    few, shown = await measure(stack, await register(first), ANN)
    many, shown_many = await measure(stack, await register(second), CLAIRE)
    assert shown.startswith(":white_check_mark: You are registered for *Negotiation*")
    assert shown_many.startswith(":white_check_mark: You are registered for *Negotiation*")
    assert len(many) == len(few), (few, many)


async def seat_learners(stack: Stack, session_id: int, count: int) -> None:
    """`count` registered learners on a session, written directly."""
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        for n in range(count):
            uow.session.add(
                Enrollment(
                    workspace_id=WS,
                    session_id=session_id,
                    user_id=f"U0SEAT{n:04d}",
                    status=EnrollmentStatus.REGISTERED,
                )
            )
        await uow.commit()


async def add_sessions(stack: Stack, room: int, first: int, count: int) -> None:
    """`count` more Sales sessions at `room` taught by CLAIRE, each with ANN registered (every
    third only queued) and BEN's enrollment cancelled."""
    element = await element_id(stack, "Negotiation")
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        for i in range(first, first + count):
            starts_at = MONDAY + timedelta(days=i)
            session = Session(
                workspace_id=WS,
                element_id=element,
                location_id=room,
                instructor_id=CLAIRE,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2),
                timezone="Europe/Oslo",
                created_by=BOSS,
            )
            uow.session.add(session)
            await uow.session.flush()
            assert session.id is not None
            pending = i % 3 == 2
            for user, status in (
                (ANN, EnrollmentStatus.PENDING if pending else EnrollmentStatus.REGISTERED),
                (BEN, EnrollmentStatus.CANCELLED),
            ):
                uow.session.add(
                    Enrollment(
                        workspace_id=WS,
                        session_id=session.id,
                        user_id=user,
                        status=status,
                        join_url=None if pending else f"https://goto.test/join/{i}",
                    )
                )
        await uow.commit()


async def test_home_costs_as_many_statements_for_50_sessions_as_for_1(stack: Stack) -> None:
    # BOSS administers Sales, CLAIRE teaches there, ANN learns there.
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{ANN}> learner")
    await stack.command(f"team add <@{CLAIRE}> instructor")
    await stack.command("element new Negotiation")
    room = await place(stack, "Room 1", available_to=["Sales"], max_learners="40")
    await add_sessions(stack, room, 0, 1)
    people = (BOSS, CLAIRE, ANN)
    small = {user: await measure(stack, open_home, user) for user in people}
    await add_sessions(stack, room, 1, 49)
    assert await stack.count(Session) == 50
    large = {user: await measure(stack, open_home, user) for user in people}

    assert "1 registered of 40" in small[BOSS][1]
    assert "…and 40 more: `/vilt session list`" in large[BOSS][1]
    assert "…and 40 more: `/vilt sessions`" in large[CLAIRE][1]
    assert "…and 40 more: `/vilt sessions`" in large[ANN][1]
    assert "https://goto.test/join/0" in large[ANN][1]
    for user, (statements, _) in large.items():
        few = small[user][0]
        assert len(statements) == len(few), (user, few, statements)
        assert len(statements) <= MOST, (user, statements)


async def test_register_people_costs_the_same_for_each_person(stack: Stack) -> None:
    # A batch costs a fixed part and the same for each person, however many are seated already.
    await teams_with_a_learner(stack)
    await stack.command("element new Negotiation")
    room = await place(stack, "Room 1", available_to=["Sales"])
    batches = ([BEN], [BEN, CLAIRE], [BEN, CLAIRE, ANN])
    costs = []
    for day, people in enumerate(batches):
        session_id = await schedule(
            stack, "Negotiation", room, BOSS, starts_at=MONDAY + timedelta(days=day)
        )
        await seat_learners(stack, session_id, 10 * day)
        view = await open_people_modal(stack, BOSS, session_id)
        statements, shown = await measure(stack, submitting(view, people), BOSS, later=True)
        assert shown.endswith(f"is done: {len(people)} registered."), shown
        costs.append(len(statements))
    assert costs[1] > costs[0], costs
    assert costs[2] - costs[1] == costs[1] - costs[0], costs


def submitting(view: dict[str, Any], people: list[str]) -> Callable[[Stack, str], Awaitable[str]]:
    """Submit the Register people modal with `people`; the report's text once it is done."""

    async def submit(stack: Stack, user: str) -> str:
        before = len(stack.standin.calls_to("chat.update"))
        await stack.slack.view_submission(view, {"people": people}, user_id=user, team_id=WS)
        return str((await wait_for_report(stack, before))["text"])

    return submit


async def open_session_modal(stack: Stack, user: str) -> str:
    before = len(stack.standin.calls_to("views.update"))
    response = await stack.slack.slash("session new", user_id=user, team_id=WS)
    assert response.status_code == 200
    calls = await stack.standin.wait_for("views.update", count=before + 1)
    return str(calls[before].args["view"])


async def test_the_session_modal_costs_as_many_statements_for_50_locations_and_elements_as_for_1(
    stack: Stack,
) -> None:
    await teams_with_a_learner(stack)
    await stack.command("element new Course 00")
    await seed(stack, 0, 1)
    few, shown = await measure(stack, open_session_modal, BOSS)
    assert "Course 00" in shown and "Room 00" in shown
    for i in range(1, 50):
        await stack.command(f"element new Course {i:02}")
    await seed(stack, 1, 49)
    many, shown = await measure(stack, open_session_modal, BOSS)
    assert "Course 49" in shown and "Room 49" in shown
    assert len(many) == len(few), (few, many)
    # The actor's resolution, then the elements and the locations: one statement each.
    assert len(many) <= 5, many


async def add_finished_sessions(stack: Stack, room: int, first: int, count: int) -> list[int]:
    """`count` Sales sessions that ended in the last days, each with 20 learners in every
    reported status and a walk-in; their numbers."""
    element = await element_id(stack, "Negotiation")
    cycle = (EnrollmentStatus.COMPLETE, EnrollmentStatus.IN_PROGRESS, EnrollmentStatus.NOT_ATTENDED)
    numbers: list[int] = []
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        for i in range(first, first + count):
            ends_at = utcnow() - timedelta(hours=1 + i)
            session = Session(
                workspace_id=WS,
                element_id=element,
                location_id=room,
                instructor_id=CLAIRE,
                starts_at=ends_at - timedelta(hours=2),
                ends_at=ends_at,
                timezone="Europe/Oslo",
                created_by=BOSS,
                sync_runs=1,
                polls_total=2,
            )
            uow.session.add(session)
            await uow.session.flush()
            assert session.id is not None
            numbers.append(session.id)
            for n in range(20):
                uow.session.add(
                    Enrollment(
                        workspace_id=WS,
                        session_id=session.id,
                        user_id=f"U0DONE{n:04d}",
                        name=f"Learner {n:04d}",
                        email=f"learner{n}@acme.test",
                        status=cycle[n % 3],
                        attended_minutes=60,
                        polls_answered=1,
                        polls_total=2,
                    )
                )
            uow.session.add(
                WalkIn(workspace_id=WS, session_id=session.id, name="Walk In", email="w@x.test")
            )
        await uow.commit()
    return numbers


async def test_home_results_cost_as_many_statements_for_30_ended_sessions_as_for_1(
    stack: Stack,
) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{CLAIRE}> instructor")
    await stack.command("element new Negotiation")
    room = await place(stack, "Room 1", available_to=["Sales"])
    (first,) = await add_finished_sessions(stack, room, 0, 1)
    small = await measure(stack, open_home, BOSS)
    await add_finished_sessions(stack, room, 1, 29)
    large = await measure(stack, open_home, BOSS)

    assert f"session `#{first}`" in small[1]
    assert "7 of 20 complete (35%) · 7 in progress · 6 not attended · syncing" in large[1]
    assert large[1].count("7 of 20 complete") == 10
    assert len(large[0]) == len(small[0]), (small[0], large[0])
    assert len(large[0]) <= MOST, large[0]


async def report_of(session_id: int) -> Callable[[Stack, str], Awaitable[str]]:
    async def run(stack: Stack, user: str) -> str:
        return await stack.command(f"report #{session_id}", user=user)

    return run


async def test_the_report_costs_as_many_statements_for_300_learners_as_for_20(
    stack: Stack,
) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{CLAIRE}> instructor")
    await stack.command("element new Negotiation")
    room = await place(stack, "Room 1", available_to=["Sales"])
    (session_id,) = await add_finished_sessions(stack, room, 0, 1)
    small = await measure(stack, await report_of(session_id), CLAIRE)
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        for n in range(280):
            uow.session.add(
                Enrollment(
                    workspace_id=WS,
                    session_id=session_id,
                    user_id=f"U0MORE{n:04d}",
                    name=f"More {n:04d}",
                    status=EnrollmentStatus.COMPLETE,
                    attended_minutes=90,
                )
            )
        await uow.commit()
    large = await measure(stack, await report_of(session_id), CLAIRE)

    assert small[1].startswith(f"Completion report for Negotiation (session #{session_id})")
    assert "287 of 300 complete (96%)" in large[1]
    assert len(large[0]) == len(small[0]), (small[0], large[0])
    assert len(large[0]) <= MOST, large[0]
