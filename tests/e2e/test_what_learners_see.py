"""What learners see: no inactive location, no GoTo connection details; admins see both."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.e2e.conftest import ANN, BEN, BOSS, WS, Stack
from tests.e2e.locations_flow import (
    admin_with_teams,
    consent,
    create_goto_location,
    open_modal,
    submit,
    webinar_values,
)

CONNECTION_WORDS = ("bob@example.com", "connected", "days left", "not linked", "Connection")


@pytest.fixture
async def academy(stack: Stack) -> dict[str, int]:
    """Sales owns a linked webinar and an inactive classroom, both available to Support too;
    Ben learns in Sales."""
    teams = await admin_with_teams(stack)
    both = [str(teams["Sales"]), str(teams["Support"])]
    await stack.command(f"team add <@{BEN}> learner")
    link = await create_goto_location(stack, teams, team_availability=both)
    async with httpx.AsyncClient(timeout=10) as http:
        landing = await consent(http, link, account="bob@example.com")
    assert "Location has been linked correctly" in landing.text
    view = await open_modal(stack)
    values = webinar_values(
        [teams["Sales"]],
        kind="classroom",
        name="Closed Room",
        status="inactive",
        team_availability=both,
    )
    before = len(stack.standin.calls_to("response_url"))
    assert await submit(stack, view, values) == {}
    await stack.standin.wait_for("response_url", count=before + 1)
    return teams


def last_blocks(stack: Stack) -> str:
    return json.dumps(
        stack.standin.calls_to("response_url")[-1].args.get("blocks"), ensure_ascii=False
    )


async def home_of(stack: Stack, user: str) -> str:
    before = len(stack.standin.calls_to("views.publish"))
    assert (await stack.slack.app_home_opened(user, WS)).status_code == 200
    calls = await stack.standin.wait_for("views.publish", count=before + 1)
    return json.dumps(calls[before].args["view"], ensure_ascii=False)


async def test_a_learner_sees_no_inactive_location_and_no_connection(
    stack: Stack, academy: dict[str, int]
) -> None:
    assert await stack.command("location list", user=BEN) == "1 location"
    listed = last_blocks(stack)
    assert "Webinar Room" in listed and "Closed Room" not in listed
    assert not [word for word in CONNECTION_WORDS if word in listed], listed

    assert await stack.command("location show Webinar Room", user=BEN) == (
        "Webinar Room: GoToWebinar"
    )
    shown = last_blocks(stack)
    assert "*Webinar Room* · GoToWebinar · active" in shown
    assert not [word for word in CONNECTION_WORDS if word in shown], shown

    assert await stack.command("location show Closed Room", user=BEN) == (
        ":warning: There is no location called *Closed Room* available to your teams."
    )
    assert await stack.command("location list closed", user=BEN) == (
        "No locations matching `closed`."
    )

    home = await home_of(stack, BEN)
    assert "Webinar Room" in home and "Closed Room" not in home
    assert not [word for word in CONNECTION_WORDS if word in home], home


async def test_an_instructor_is_a_learner_for_connection_and_inactive_locations(
    stack: Stack, academy: dict[str, int]
) -> None:
    await stack.command(f"team add <@{ANN}> instructor")
    assert await stack.command("location list", user=ANN) == "1 location"
    assert "bob@example.com" not in last_blocks(stack)


async def test_admins_of_the_owner_team_see_everything(
    stack: Stack, academy: dict[str, int]
) -> None:
    assert await stack.command("location list") == "2 locations"
    listed = last_blocks(stack)
    assert "Closed Room" in listed and "connected as bob@example.com" in listed
    shown = await stack.command("location show Webinar Room")
    assert shown.startswith("Webinar Room: connected as bob@example.com until ")
    assert (
        "*Closed Room* · Classroom · inactive"
        in (
            await stack.command("location show Closed Room"),
            last_blocks(stack),
        )[1]
    )
    home = await home_of(stack, BOSS)
    assert "*Closed Room* · Classroom · _inactive_" in home
    assert "connected as bob@example.com" in home


async def test_admins_of_another_team_see_neither(stack: Stack, academy: dict[str, int]) -> None:
    # Ann administers Support only; Support may use the webinar but does not own it.
    await stack.command("team use Support")
    await stack.command(f"team add <@{ANN}> admin")
    assert await stack.command("location list", user=ANN) == "1 location"
    listed = last_blocks(stack)
    assert "Webinar Room" in listed and "bob@example.com" not in listed
