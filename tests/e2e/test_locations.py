"""Locations over Slack: the modal that changes as it is filled, validation, list, show, edit."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import event

from domain import limits
from domain.models import Location, LocationTeam
from domain.services import locations
from tests.e2e.conftest import ANN, BEN, BOSS, WS, Stack
from tests.e2e.locations_flow import (
    WEBINAR_SECRET,
    admin_with_teams,
    block_ids,
    choose_kind,
    create_goto_location,
    open_modal,
    submit,
    webinar_values,
)

LENGTH_LIMITS = {
    "name": limits.LOCATION_NAME_MAX,
    "information_url": limits.INFORMATION_URL_MAX,
    "description": limits.DESCRIPTION_MAX,
    "consumer_key": limits.CONSUMER_KEY_MAX,
    "consumer_secret": limits.CONSUMER_SECRET_MAX,
}


async def test_modal_opens_first_then_fills_with_semantic_block_ids(stack: Stack) -> None:
    await admin_with_teams(stack)
    view = await open_modal(stack)
    (opened,) = stack.standin.calls_to("views.open")
    assert "Loading" in json.dumps(opened.args["view"])
    (update,) = stack.standin.calls_to("views.update")
    assert update.args["view_id"] == opened.response["view"]["id"]
    assert update.args["hash"] == opened.response["view"]["hash"]
    assert block_ids(view)[:3] == ["name", "status", "kind"]
    assert {
        "max_learners",
        "information_url",
        "owner_team",
        "team_availability",
        "description",
    } <= set(block_ids(view))
    assert "consumer_key" not in block_ids(view)  # classroom until a GoTo kind is chosen


async def test_choosing_a_goto_kind_reveals_key_secret_and_notifications_keeping_typed_values(
    stack: Stack,
) -> None:
    await admin_with_teams(stack)
    view = await open_modal(stack)
    view = await choose_kind(stack, view, "gototraining", name="Training Room")
    ids = block_ids(view)
    assert {"consumer_key", "consumer_secret", "goto_notifications"} <= set(ids)
    assert "Link with your GoToTraining account" in json.dumps(view)
    name = next(b for b in view["blocks"] if b.get("block_id") == "name")
    assert name["element"].get("initial_value") == "Training Room"
    # The inputs stop where validation and the columns do.
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    max_lengths = {b["block_id"]: b["element"].get("max_length") for b in inputs}
    assert {k: max_lengths.get(k) for k in LENGTH_LIMITS} == LENGTH_LIMITS
    hint = next(b for b in view["blocks"] if b.get("block_id") == "max_learners")["hint"]
    assert f"{limits.MAX_LEARNERS_MIN:,} to {limits.MAX_LEARNERS_MAX:,}" in hint["text"]
    view = await choose_kind(stack, view, "classroom")
    assert "consumer_key" not in block_ids(view)


async def test_each_wrong_field_gets_its_own_error_and_nothing_is_saved(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gotowebinar")
    sales = [teams["Sales"]]
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"name": "   "}, "name", "Give the location a name"),
        ({"max_learners": "abc"}, "max_learners", "whole number from 1 to 100,000"),
        ({"max_learners": "0"}, "max_learners", "whole number from 1 to 100,000"),
        ({"max_learners": "100001"}, "max_learners", "whole number from 1 to 100,000"),
        ({"max_learners": "2.5"}, "max_learners", "whole number"),
        ({"information_url": "ftp://files.example.com"}, "information_url", "http:// or https://"),
        ({"information_url": "example.com/map"}, "information_url", "http:// or https://"),
        ({"consumer_key": ""}, "consumer_key", "consumer key of your GoToWebinar app"),
        ({"consumer_secret": ""}, "consumer_secret", "consumer secret of your GoToWebinar app"),
        ({"team_availability": []}, "team_availability", "at least one team"),
    ]
    for override, field, message in cases:
        answer = await submit(stack, view, webinar_values(sales, **override))
        assert answer["response_action"] == "errors", (override, answer)
        assert list(answer["errors"]) == [field], (override, answer)
        assert message in answer["errors"][field]
    assert await stack.count(Location) == 0


async def test_name_is_unique_within_the_owner_team_only(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    classroom = {"kind": "classroom"}
    view = await open_modal(stack)
    assert await submit(stack, view, webinar_values([teams["Sales"]], **classroom)) == {}
    view = await open_modal(stack)
    answer = await submit(stack, view, webinar_values([teams["Sales"]], **classroom))
    assert answer["errors"] == {"name": "Another location of the owner team has this name."}
    view = await open_modal(stack)
    other_owner = webinar_values([teams["Sales"]], owner_team=str(teams["Support"]), **classroom)
    assert await submit(stack, view, other_owner) == {}
    assert await stack.count(Location) == 2


async def test_create_list_filter_and_show(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    link_url = await create_goto_location(stack, teams)
    assert "/goto/oauth/start?state=" in link_url
    (location,) = await stack.rows(Location)
    assert (location.name, location.kind, location.max_learners) == (
        "Webinar Room",
        "gotowebinar",
        25,
    )
    assert location.consumer_secret_enc and WEBINAR_SECRET not in location.consumer_secret_enc
    assert [lt.team_id for lt in await stack.rows(LocationTeam)] == [teams["Sales"]]
    reply = stack.standin.calls_to("response_url")[-1]
    assert reply.args["response_type"] == "ephemeral"
    assert "Link with your GoToWebinar account" in json.dumps(reply.args)

    view = await open_modal(stack)
    classroom = webinar_values(
        [teams["Support"]],
        name="Oslo Room 3",
        kind="classroom",
        description="Third floor #onsite",
    )
    replies = len(stack.standin.calls_to("response_url"))
    assert await submit(stack, view, classroom) == {}
    await stack.standin.wait_for("response_url", count=replies + 1)  # "created", sent after the ack

    listing = await stack.command("location list")
    assert "2 locations" in listing
    assert "Webinar Room" in json.dumps(stack.standin.calls_to("response_url")[-1].args)
    tagged = await stack.command("location list #onboarding")
    blocks = json.dumps(stack.standin.calls_to("response_url")[-1].args)
    assert "1 location" in tagged and "Webinar Room" in blocks and "Oslo Room" not in blocks
    assert "No locations matching `#nothing`" in await stack.command("location list #nothing")
    assert "1 location" in await stack.command("location list oslo")

    shown = await stack.command("location show webinar room")
    assert shown == "Webinar Room: not linked"
    shown_blocks = json.dumps(stack.standin.calls_to("response_url")[-1].args)
    assert "Owner: *Sales*" in shown_blocks and "Connection:" in shown_blocks
    assert "no location called *Atlantis*" in await stack.command("location show Atlantis")


async def test_edit_is_prefilled_keeps_a_blank_secret_and_is_for_the_owner_team_only(
    stack: Stack,
) -> None:
    teams = await admin_with_teams(stack)
    await create_goto_location(stack, teams)
    view = await open_modal(stack, "location edit Webinar Room")
    secret_block = next(b for b in view["blocks"] if b.get("block_id") == "consumer_secret")
    assert secret_block["optional"] is True and "initial_value" not in secret_block["element"]
    assert "saved" in json.dumps(secret_block)
    (before,) = await stack.rows(Location)
    values = webinar_values([teams["Sales"], teams["Support"]], consumer_secret="", max_learners="")
    assert await submit(stack, view, values) == {}
    (after,) = await stack.rows(Location)
    assert after.consumer_secret_enc == before.consumer_secret_enc
    assert after.max_learners is None
    assert sorted(lt.team_id for lt in await stack.rows(LocationTeam)) == sorted(teams.values())

    # Ann administers Support only: she may not edit a Sales location; the modal, opened before
    # anything was looked up, tells her who owns it and offers no Save.
    await stack.command("team use Support")
    await stack.command(f"team add <@{ANN}> admin")
    refused = await open_modal(stack, "location edit Webinar Room", user=ANN)
    assert "Only admins of team *Sales*" in json.dumps(refused)
    assert not refused.get("submit") and "name" not in block_ids(refused)
    missing = await open_modal(stack, "location edit Atlantis")
    assert "There is no location called *Atlantis*" in json.dumps(missing)
    assert not missing.get("submit")
    await stack.command(f"team add <@{BEN}> learner")
    assert "is for team admins" in await stack.command("location new", user=BEN)


async def test_secrets_never_reach_slack(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    await create_goto_location(stack, teams)
    await open_modal(stack, "location edit Webinar Room")
    await stack.command("location show Webinar Room")
    await stack.command("location list")
    # Every Web API call and response_url post the bot made, including modals it sent back.
    sent_by_bot = json.dumps([c.args for c in stack.standin.calls])
    assert "Webinar Room" in sent_by_bot
    assert WEBINAR_SECRET not in sent_by_bot


@pytest.mark.parametrize(
    ("command", "first_query"),
    [("location new", "workspace_teams"), ("location edit Webinar Room", "find_location")],
)
async def test_the_modal_opens_in_time_even_when_the_database_is_slow(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, command: str, first_query: str
) -> None:
    teams = await admin_with_teams(stack)
    await create_goto_location(stack, teams)
    opened_before = len(stack.standin.calls_to("views.open"))
    updated_before = len(stack.standin.calls_to("views.update"))
    real = getattr(locations, first_query)

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(3.5)  # longer than a trigger_id lives
        return await real(*args, **kwargs)

    monkeypatch.setattr(locations, first_query, slow)
    response = await stack.slack.slash(command, user_id=BOSS, team_id=WS)
    assert response.status_code == 200
    opened = (await stack.standin.wait_for("views.open", count=opened_before + 1))[-1]
    assert opened.ok, opened.response  # the stand-in refuses trigger ids older than 3 s
    update = (await stack.standin.wait_for("views.update", count=updated_before + 1, timeout=8))[-1]
    assert update.ok and "team_availability" in json.dumps(update.args["view"])


@pytest.mark.parametrize("command", ["location new", "location edit Oslo Room"])
async def test_the_modal_opens_before_the_command_asks_the_database_anything(
    stack: Stack, command: str
) -> None:
    teams = await admin_with_teams(stack)
    await create_classroom(stack, teams)
    engine = stack.runtime.engine.sync_engine
    # For each statement: how many modals the stand-in had been asked to open by then.
    opened_by_then: list[int] = []

    def record(*_args: Any) -> None:
        opened_by_then.append(len(stack.standin.calls_to("views.open")))

    event.listen(engine, "before_cursor_execute", record)
    try:
        await stack.command("help")  # the middleware alone: who is asking
        middleware = len(opened_by_then)
        opened_by_then.clear()
        before = len(stack.standin.calls_to("views.open"))
        await open_modal(stack, command)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    ahead = [n for n in opened_by_then if n == before]
    assert len(ahead) == middleware, opened_by_then  # only the middleware ran before views.open
    assert len(opened_by_then) > middleware  # the form itself was loaded after


async def test_long_lists_show_a_page_and_say_how_many_more(stack: Stack) -> None:
    from db.uow import SqlUnitOfWork
    from domain.rules import LocationForm
    from domain.services.identity import resolve_actor

    teams = await admin_with_teams(stack)
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        actor = await resolve_actor(uow, WS, BOSS, first_admins=[BOSS])
        for i in range(23):
            form = LocationForm(
                name=f"Room {i:02}",
                kind="classroom",
                owner_team_id=teams["Sales"],
                team_ids=[teams["Sales"]],
                description="#big" if i % 2 else "",
            )
            await locations.create_location(uow, actor, form, sealer=stack.runtime.box)
        await uow.commit()
    reply = await stack.command("location list")
    assert reply == "23 locations\n…and 3 more; narrow the list with a #tag or text."
    blocks = stack.standin.calls_to("response_url")[-1].args["blocks"]
    assert (
        len(blocks) == 41
        and "Room 19" in json.dumps(blocks)
        and "Room 20" not in json.dumps(blocks)
    )
    assert await stack.command("location list #big") == "11 locations"


async def test_an_expired_trigger_gets_a_clear_answer(stack: Stack) -> None:
    await admin_with_teams(stack)
    stack.standin.inject("views.open", error="expired_trigger_id")
    reply = await stack.command("location new")
    assert reply == ":warning: Slack took too long to open the form. Run the command again."
    assert stack.standin.calls_to("views.update") == []


async def create_classroom(stack: Stack, teams: dict[str, int]) -> None:
    """A classroom through the modal, waiting for the reply that ends its work."""
    view = await open_modal(stack)
    replies = len(stack.standin.calls_to("response_url"))
    values = webinar_values([teams["Sales"]], name="Oslo Room", kind="classroom")
    assert await submit(stack, view, values) == {}
    await stack.standin.wait_for("response_url", count=replies + 1)


async def test_an_unexpected_failure_after_the_modal_opened_is_told_in_it(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    teams = await admin_with_teams(stack)
    await create_classroom(stack, teams)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(locations, "find_location", broken)
    view = await open_modal(stack, "location edit Oslo Room")
    shown = json.dumps(view)
    assert "Sorry, something went wrong on our side" in shown and "request id" in shown
    assert "database went away" not in shown and not view.get("submit")
