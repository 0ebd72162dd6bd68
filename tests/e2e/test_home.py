"""App Home shows the active team, each person's sessions, and the team's locations with their
connection status."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx

from db.uow import SqlUnitOfWork
from domain.models import Enrollment, EnrollmentStatus, LocationKind, Session, SessionStatus
from domain.types import utcnow
from handlers.report_views import REPORT_CSV_ACTION
from handlers.session_views import REGISTER_PEOPLE_ACTION
from tests.domain.fakes import FakeGoToEvents
from tests.e2e.conftest import BEN, BOSS, CLAIRE, TRAINING, WS, Stack
from tests.e2e.locations_flow import admin_with_teams, consent, create_goto_location
from tests.handlers.sessions_data import MONDAY, place, schedule

HOUR = timedelta(hours=1)


async def test_home_lists_locations_with_connection_status(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    link_url = await create_goto_location(stack, teams)
    await create_goto_location(stack, teams, name="Spare Room")
    async with httpx.AsyncClient(timeout=10) as http:
        await consent(http, link_url, account="alice@example.com")
    response = await stack.slack.app_home_opened(BOSS, WS)
    assert response.status_code == 200
    (publish,) = await stack.standin.wait_for("views.publish")
    assert publish.args["user_id"] == BOSS
    home = json.dumps(publish.args["view"], ensure_ascii=False)
    assert "Active team: *Sales* (you are admin)" in home
    assert "*Webinar Room* · GoToWebinar" in home and "connected as alice@example.com" in home
    assert "*Spare Room* · GoToWebinar" in home and "not linked" in home


async def test_home_tells_a_newcomer_how_to_join(stack: Stack) -> None:
    await stack.slack.app_home_opened(BEN, WS)
    (publish,) = await stack.standin.wait_for("views.publish")
    assert "You are not in any viltbot team yet" in json.dumps(publish.args["view"])


async def test_home_shows_the_active_teams_locations_and_how_to_switch(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    await create_goto_location(stack, teams)  # owned by and available to Sales
    await stack.command("team use Support")
    await stack.slack.app_home_opened(BOSS, WS)
    (publish,) = await stack.standin.wait_for("views.publish")
    home = json.dumps(publish.args["view"], ensure_ascii=False)
    assert "Active team: *Support* (you are admin)" in home
    assert "switch with `/vilt team use Sales`" in home
    assert "Webinar Room" not in home


async def sessions_for_everyone(stack: Stack) -> dict[str, int]:
    """Sales (BOSS admin, CLAIRE teaches, BEN learns): a webinar session BEN is registered on,
    a classroom one where his registration is queued, one he left, one cancelled, one over."""
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{BEN}> learner")
    await stack.command(f"team add <@{CLAIRE}> instructor")
    await stack.command("element new Negotiation")
    room = await place(stack, "Room 1", available_to=["Sales"], max_learners="10")
    goto = FakeGoToEvents()
    webinar = await place(
        stack,
        "Webinar Room",
        available_to=["Sales"],
        kind=LocationKind.GOTOWEBINAR,
        organizer_key="ORG-W",
    )
    goto.add("ORG-W", "1234567890", starts_at=MONDAY, ends_at=MONDAY + timedelta(hours=2))
    numbers = {
        "webinar": await schedule(
            stack, "Negotiation", webinar, CLAIRE, goto=goto, goto_event="1234567890"
        ),
        "room": await schedule(
            stack, "Negotiation", room, CLAIRE, starts_at=MONDAY + timedelta(days=1)
        ),
        "left": await schedule(stack, "Negotiation", room, BOSS, starts_at=MONDAY + timedelta(2)),
        "cancelled": await schedule(
            stack, "Negotiation", room, CLAIRE, starts_at=MONDAY + timedelta(days=3)
        ),
        "over": await schedule(stack, "Negotiation", room, CLAIRE, starts_at=utcnow() + HOUR),
    }
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        for name, status, url in (
            ("webinar", EnrollmentStatus.REGISTERED, "https://goto.test/join/ben"),
            ("room", EnrollmentStatus.PENDING, None),
            ("left", EnrollmentStatus.CANCELLED, None),
            ("cancelled", EnrollmentStatus.REGISTERED, None),
            ("over", EnrollmentStatus.REGISTERED, None),
        ):
            uow.session.add(
                Enrollment(
                    workspace_id=WS,
                    session_id=numbers[name],
                    user_id=BEN,
                    status=status,
                    join_url=url,
                )
            )
        cancelled = await uow.session.get(Session, numbers["cancelled"])
        over = await uow.session.get(Session, numbers["over"])
        assert cancelled is not None and over is not None
        cancelled.status = SessionStatus.CANCELLED
        over.starts_at, over.ends_at = utcnow() - 2 * HOUR, utcnow() - HOUR
        await uow.commit()
    return numbers


async def home_view_of(stack: Stack, user: str) -> dict[str, Any]:
    before = len(stack.standin.calls_to("views.publish"))
    assert (await stack.slack.app_home_opened(user, WS)).status_code == 200
    calls = await stack.standin.wait_for("views.publish", count=before + 1)
    return dict(calls[before].args["view"])


def sections(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]


async def test_home_shows_each_person_their_sessions(stack: Stack) -> None:
    numbers = await sessions_for_everyone(stack)
    webinar, room = numbers["webinar"], numbers["room"]

    boss = await home_view_of(stack, BOSS)
    shown = sections(boss)
    heading = shown.index("*Upcoming sessions of team Sales*")
    team = shown[heading + 1 : heading + 4]
    assert [line.split("\n")[0] for line in team] == [
        f"*Negotiation* · session `#{n}`" for n in (webinar, room, numbers["left"])
    ]
    assert team[0].endswith("\n1 registered") and team[1].endswith("\n1 registered of 10")
    assert "<!date^" in team[0]
    accessories = [b["accessory"] for b in boss["blocks"] if "accessory" in b]
    # The session that is over is among the team's recent results, with its roster button.
    assert [(a["action_id"], a["value"]) for a in accessories] == [
        *((REGISTER_PEOPLE_ACTION, str(n)) for n in (webinar, room, numbers["left"])),
        (REPORT_CSV_ACTION, str(numbers["over"])),
    ]
    assert "*Sessions you teach*" in shown  # BOSS teaches the one Ben left

    claire = sections(await home_view_of(stack, CLAIRE))
    teach = claire.index("*Sessions you teach*")
    assert [line.split("\n")[0] for line in claire[teach + 1 : teach + 4]] == [
        *(f"*Negotiation* · session `#{n}`" for n in (webinar, room)),
        # She taught the session that is over: its results follow.
        "*Recent results*",
    ]
    assert not any(line.startswith("*Upcoming sessions of team") for line in claire)

    ben_view = await home_view_of(stack, BEN)
    ben = sections(ben_view)
    mine = ben.index("*Your registrations*")
    assert [line.split("\n")[-1] for line in ben[mine + 1 : mine + 6]] == [
        "Registered · <https://goto.test/join/ben|Join the session>",
        "_Pending_: GoTo has not confirmed your registration yet",
        # The session that is over, until attendance sync has read GoTo's report.
        "*Your recent sessions*",
        "Waiting for GoTo's attendance report",
        "*Locations*",
    ]
    assert not any("accessory" in b for b in ben_view["blocks"])
