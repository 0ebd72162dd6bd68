"""App Home: the view for each kind of person, and the listener that publishes it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from db.uow import SqlUnitOfWork
from domain.models import LocationKind, Role
from domain.rules import LocationForm
from domain.services import locations
from domain.services.identity import resolve_actor
from domain.services.locations import LocationPage
from handlers.home import home_view
from sandbox.slack.blockkit import check_view
from tests.e2e.conftest import BEN, BOSS, TRAINING, WS, Stack
from tests.handlers.locations_data import classroom, status, training, webinar
from tests.handlers.snapshots import assert_snapshot
from tests.handlers.support import (
    OPS_TEAM,
    SALES,
    SUPPORT,
    actor,
    learner,
    newcomer,
    team,
    team_admin,
)

PAGE = LocationPage(
    views=[
        webinar(),
        training(),
        webinar(id=10, name="Old Webinar", status=status(LocationKind.GOTOWEBINAR, days=-2)),
        classroom(),
        classroom(id=11, name="Closed Room", active=False),
    ],
    total=5,
)
EMPTY = LocationPage(views=[], total=0)


def home(who: Any, page: LocationPage) -> dict[str, Any]:
    view = home_view(who, page)
    assert check_view(view) == []
    return view


def texts(view: dict[str, Any]) -> list[str]:
    """Each block's text, as the person reads it."""
    shown = []
    for block in view["blocks"]:
        if block["type"] == "context":
            shown += [e["text"] for e in block["elements"]]
        elif block["type"] == "divider":
            shown.append("---")
        else:
            shown.append(block["text"]["text"])
    return shown


def test_a_team_admin_sees_the_team_and_each_location_with_its_connection() -> None:
    assert_snapshot("home-team-admin", home(team_admin(), PAGE))


def test_a_long_list_says_how_many_more_there_are() -> None:
    page = LocationPage(views=PAGE.views[:2], total=17)
    shown = texts(home(team_admin(), page))
    assert shown[-3:] == [
        "…and 15 more: `/vilt location list`",
        "---",
        "Type `/vilt help` for everything you can do.",
    ]
    exact = texts(home(team_admin(), LocationPage(views=PAGE.views[:2], total=2)))
    assert not any("more" in line for line in exact)


def test_a_newcomer_is_told_how_to_join() -> None:
    view = home(newcomer(), EMPTY)
    assert_snapshot("home-newcomer", view)


@pytest.mark.parametrize(
    ("roles", "line"),
    [
        (
            [(SALES, Role.LEARNER), (SUPPORT, Role.ADMIN)],
            "Active team: *Sales* (you are learner) · reports go to <#C0TRAINING>"
            " · switch with `/vilt team use Support`",
        ),
        (
            [(SALES, Role.INSTRUCTOR), (SUPPORT, Role.LEARNER), (OPS_TEAM, Role.LEARNER)],
            "Active team: *Sales* (you are instructor) · reports go to <#C0TRAINING>"
            " · switch with `/vilt team use Ops`, `/vilt team use Support`",
        ),
        (
            [(SALES, Role.ADMIN)],
            "Active team: *Sales* (you are admin) · reports go to <#C0TRAINING>",
        ),
        (
            [
                (SALES, Role.LEARNER),
                (SUPPORT, Role.LEARNER),
                (OPS_TEAM, Role.LEARNER),
                (team(4, "Zed & <Co>"), Role.LEARNER),
                (team(5, "alpha"), Role.LEARNER),
            ],
            "Active team: *Sales* (you are learner) · reports go to <#C0TRAINING>"
            " · switch with `/vilt team use alpha`, `/vilt team use Ops`, "
            "`/vilt team use Support` (and 1 more: `/vilt team list`)",
        ),
    ],
)
def test_the_active_team_line_names_the_role_and_the_other_teams(
    roles: list[tuple[Any, Role]], line: str
) -> None:
    shown = texts(home(actor(roles=roles, active=SALES), EMPTY))
    assert shown == ["viltbot", line, "---", "Type `/vilt help` for everything you can do."]


def test_someone_in_teams_without_an_active_one_is_asked_to_choose() -> None:
    who = actor(roles=[(SALES, Role.LEARNER), (SUPPORT, Role.LEARNER)])
    assert who.active_team is None
    view = home(who, EMPTY)
    assert_snapshot("home-choose-a-team", view)


def test_a_role_missing_from_the_active_team_reads_as_member() -> None:
    who = actor(roles=[(SALES, Role.LEARNER)])
    who.roles.clear()
    assert texts(home(who, EMPTY))[1] == (
        "Active team: *Sales* (you are member) · reports go to <#C0TRAINING>"
    )


def test_inactive_is_said_on_the_name_line_for_every_kind() -> None:
    page = LocationPage(views=[training(active=False)], total=1)
    assert texts(home(team_admin(), page))[4] == (
        "*Training Lab* · GoToTraining · _inactive_\n:white_circle: not linked"
    )


def test_location_names_are_escaped_on_home() -> None:
    page = LocationPage(views=[classroom(name="R&D <!channel> Lab")], total=1)
    shown = json.dumps(home(team_admin(), page))
    assert "<!channel>" not in shown and "R&amp;D &lt;!channel&gt; Lab" in shown


# ---------------------------------------------------------------- the listener


async def published(stack: Stack, count: int = 1) -> list[Any]:
    return await stack.standin.wait_for("views.publish", count=count)


async def test_opening_home_publishes_the_view_for_that_user(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    response = await stack.slack.app_home_opened(BOSS, WS)
    assert response.status_code == 200
    (publish,) = await published(stack)
    assert publish.args["user_id"] == BOSS
    view = publish.args["view"]
    assert texts(view) == [
        "viltbot",
        "Active team: *Sales* (you are admin) · reports go to <#C0TRAINING>",
        "---",
        "*Upcoming sessions of team Sales*",
        "No upcoming sessions yet: schedule one with `/vilt session new`.",
        "---",
        "Type `/vilt help` for everything you can do.",
    ]
    # An event without a tab (older clients) is the Home tab too.
    await stack.slack.event({"type": "app_home_opened", "user": BEN, "channel": "D0BEN0001"}, WS)
    second = (await published(stack, 2))[1]
    assert second.args["user_id"] == BEN and "not in any viltbot team" in json.dumps(second.args)


async def test_opening_the_messages_tab_publishes_nothing(stack: Stack) -> None:
    response = await stack.slack.app_home_opened(BOSS, WS, tab="messages")
    assert response.status_code == 200
    await stack.slack.app_home_opened(BEN, WS)  # a Home event after it, to wait on
    await published(stack)
    await asyncio.sleep(0.3)  # events are handled after their ack: give the first one time too
    assert [c.args["user_id"] for c in stack.standin.calls_to("views.publish")] == [BEN]


async def test_home_shows_the_first_fifteen_locations_and_counts_the_rest(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        boss = await resolve_actor(uow, WS, BOSS, first_admins=[BOSS])
        sales = boss.active_team_id
        for i in range(17):
            form = LocationForm(
                name=f"Room {i:02}", kind="classroom", owner_team_id=sales, team_ids=[sales or 0]
            )
            await locations.create_location(uow, boss, form, sealer=stack.runtime.box)
        await uow.commit()
    await stack.slack.app_home_opened(BOSS, WS)
    (publish,) = await published(stack)
    shown = texts(publish.args["view"])
    rooms = [line for line in shown if line.startswith("*Room")]
    assert rooms == [f"*Room {i:02}* · Classroom" for i in range(15)]
    assert "…and 2 more: `/vilt location list`" in shown


def test_a_learner_sees_each_location_without_its_connection() -> None:
    page = LocationPage(views=[webinar(), classroom()], total=2)
    shown = texts(home(learner(), page))
    assert shown[3:6] == [
        "*Locations*",
        "*Webinar Room* · GoToWebinar",
        "*Oslo Room 3* · Classroom",
    ]
    assert "bob@example.com" not in json.dumps(home(learner(), page))


def test_the_active_team_name_is_shown_as_text() -> None:
    rnd = SALES.model_copy(update={"name": "R&D <!here>"})
    who = actor(roles=[(rnd, Role.ADMIN)])
    assert texts(home(who, EMPTY))[1] == (
        "Active team: *R&amp;D &lt;!here&gt;* (you are admin) · reports go to <#C0TRAINING>"
    )
