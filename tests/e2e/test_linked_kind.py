"""A linked location keeps its kind: saving it as a classroom is a field error, not a stuck modal."""

from __future__ import annotations

import httpx
import pytest

from domain.models import Location, LocationKind
from tests.e2e.conftest import BOSS, WS, Stack
from tests.e2e.locations_flow import (
    admin_with_teams,
    choose_kind,
    consent,
    create_goto_location,
    open_modal,
    webinar_values,
)


@pytest.mark.parametrize(
    ("kind", "label"), [("classroom", "Classroom"), ("gototraining", "GoToTraining")]
)
async def test_saving_a_linked_location_as_another_kind_names_the_kind_field(
    stack: Stack, kind: str, label: str
) -> None:
    teams = await admin_with_teams(stack)
    link_url = await create_goto_location(stack, teams)
    async with httpx.AsyncClient(timeout=10) as browser:
        await consent(browser, link_url, account="bob@example.com")
    (linked,) = await stack.rows(Location)
    view = await choose_kind(stack, await open_modal(stack, "location edit Webinar Room"), kind)
    response = await stack.slack.view_submission(
        view,
        webinar_values([teams["Sales"]], kind=kind, consumer_key="demo-training-app"),
        user_id=BOSS,
        team_id=WS,
        check_required=False,
    )
    assert response.status_code == 200
    assert response.json() == {
        "response_action": "errors",
        "errors": {
            "kind": "This location is linked to a GoToWebinar account; its kind cannot change. "
            f"For a {label} location, create a new one."
        },
    }
    (after,) = await stack.rows(Location)
    assert after.kind == LocationKind.GOTOWEBINAR
    assert (after.goto_organizer_key, after.consumer_key, after.consumer_secret_enc) == (
        linked.goto_organizer_key,
        linked.consumer_key,
        linked.consumer_secret_enc,
    )
