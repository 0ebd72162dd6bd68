"""`/vilt location …` and the location modal over signed HTTP: what each listener sends Slack,
compared with the view builders' own output for the same saved data, and the rows behind it."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any

import httpx
import pytest

from db.uow import SqlUnitOfWork
from domain.models import LinkRequest, Location, Team
from domain.rules import LocationForm
from domain.services import linking, locations
from domain.services.identity import resolve_actor
from domain.services.locations import LocationView
from handlers.location_views import (
    ModalMeta,
    form_from_view,
    link_message,
    loading_modal,
    location_modal,
    location_summary,
    problem_modal,
)
from handlers.locations import _visible_errors
from tests.e2e.conftest import ANN, BOSS, GENERAL, TRAINING, WS, Stack
from tests.e2e.locations_flow import (
    admin_with_teams,
    choose_kind,
    consent,
    create_goto_location,
    open_modal,
    submit,
    webinar_values,
)

APOLOGY = re.compile(
    r":boom: Sorry, something went wrong on our side\. If it keeps happening, give your "
    r"admin this request id: `([0-9a-f]{12})`\."
)


def said(text: str) -> dict[str, Any]:
    """The first block of a private answer: what happened, in words."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def replies(stack: Stack) -> list[dict[str, Any]]:
    return [dict(c.args) for c in stack.standin.calls_to("response_url")]


async def next_reply(stack: Stack, before: int) -> dict[str, Any]:
    calls = await stack.standin.wait_for("response_url", count=before + 1)
    return dict(calls[before].args)


async def described(stack: Stack, name: str, user: str = BOSS) -> LocationView:
    """A saved location as the handlers describe it."""
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        who = await resolve_actor(uow, WS, user, first_admins=[BOSS])
        return await locations.describe(uow, await locations.find_location(uow, who, name))


async def teams_by_name(stack: Stack) -> dict[str, Team]:
    return {t.name: t for t in await stack.rows(Team)}


async def all_teams(stack: Stack) -> list[Team]:
    return sorted(await stack.rows(Team), key=lambda t: t.name_key)


async def classroom_values(teams: dict[str, int], **changes: Any) -> dict[str, Any]:
    return webinar_values([teams["Sales"]], **{"name": "Oslo Room", "kind": "classroom", **changes})


async def create_classroom(stack: Stack, teams: dict[str, int], **changes: Any) -> None:
    view = await open_modal(stack)
    before = len(replies(stack))
    assert await submit(stack, view, await classroom_values(teams, **changes)) == {}
    await next_reply(stack, before)


async def remembered_link(stack: Stack) -> LinkRequest:
    """The newest link request, once the bot has noted where its message went: it does so just
    after sending the message, so a test that saw the message may look a moment too soon."""
    deadline = time.monotonic() + 5
    while True:
        newest: LinkRequest = max(await stack.rows(LinkRequest), key=lambda r: r.id or 0)
        if newest.response_url or newest.message_channel or time.monotonic() > deadline:
            return newest
        await asyncio.sleep(0.02)


def updated_views(stack: Stack) -> list[dict[str, Any]]:
    return [dict(c.args["view"]) for c in stack.standin.calls_to("views.update")]


# ---------------------------------------------------------------- new and edit


async def test_new_is_refused_before_a_modal_opens_without_an_administered_active_team(
    stack: Stack,
) -> None:
    await admin_with_teams(stack)  # Boss: Support, then Sales (active)
    await stack.command(f"team add <@{ANN}> learner")
    await stack.command("team use Support")
    await stack.command(f"team add <@{ANN}> admin")
    # Ann is in two teams and has chosen neither.
    assert await stack.command("location new", user=ANN) == (
        ":warning: Choose your active team first: `/vilt team use <name>` (yours: Sales, Support)."
    )
    await stack.command("team use Sales", user=ANN)
    assert await stack.command("location new", user=ANN) == (
        ":warning: Only admins of team *Sales* can do that."
    )
    assert await stack.command("location edit", user=ANN) == (
        ":warning: Usage: `/vilt location edit <name>`"
    )
    assert stack.standin.calls_to("views.open") == []


async def test_new_opens_a_loading_modal_then_fills_it_for_the_active_team(stack: Stack) -> None:
    await stack.command(f"team new Zeta <#{TRAINING}|training>")
    await stack.command(f"team add <@{ANN}> admin")
    await stack.command(f"team new alpha <#{GENERAL}|general>")
    await stack.command(f"team add <@{ANN}> admin")
    await stack.command(f"team new Mid <#{GENERAL}|general>")
    await stack.command(f"team add <@{ANN}> learner")
    await stack.command("team use Zeta", user=ANN)
    view = await open_modal(stack, user=ANN)
    command = stack.slack.last_payload or {}
    (opened,) = stack.standin.calls_to("views.open")
    assert opened.args["trigger_id"] == command["trigger_id"]
    assert opened.args["view"] == loading_modal("New location")
    (update,) = stack.standin.calls_to("views.update")
    assert (update.args["view_id"], update.args["hash"]) == (
        opened.response["view"]["id"],
        opened.response["view"]["hash"],
    )
    teams = await teams_by_name(stack)
    zeta = teams["Zeta"].id
    assert update.args["view"] == location_modal(
        form=LocationForm(owner_team_id=zeta, team_ids=[zeta or 0]),
        admin_teams=[teams["alpha"], teams["Zeta"]],  # hers, by name whatever the case
        all_teams=await all_teams(stack),
        meta=ModalMeta(response_url=command["response_url"]),
    )
    assert view["private_metadata"] == json.dumps(
        {"l": None, "r": command["response_url"]}, separators=(",", ":")
    )


async def test_edit_opens_prefilled_with_the_saved_location(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    await create_goto_location(stack, teams)
    await open_modal(stack, "location edit  webinar ROOM ")
    command = stack.slack.last_payload or {}
    assert stack.standin.calls_to("views.open")[-1].args["view"] == loading_modal("Edit location")
    saved = await described(stack, "Webinar Room")
    by_name = await teams_by_name(stack)
    assert updated_views(stack)[-1] == location_modal(
        form=form_from_view(saved),
        admin_teams=[by_name["Sales"], by_name["Support"]],
        all_teams=await all_teams(stack),
        meta=ModalMeta(location_id=saved.id, response_url=command["response_url"]),
        saved=saved,
    )


async def test_what_goes_wrong_after_the_modal_opened_is_said_in_it(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await admin_with_teams(stack)
    await open_modal(stack, "location edit Atlantis")
    assert updated_views(stack)[-1] == problem_modal(
        "Edit location",
        ":warning: There is no location called *Atlantis*. `/vilt location list` shows them.",
    )

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(locations, "workspace_teams", broken)
    with caplog.at_level(logging.ERROR, logger="handlers.modals"):
        await open_modal(stack, "location new")
    failed = updated_views(stack)[-1]
    text = failed["blocks"][0]["text"]["text"]
    match = APOLOGY.fullmatch(text)
    assert match, text
    assert failed == problem_modal("New location", text)
    assert [r.getMessage() for r in caplog.records if r.name == "handlers.modals"] == [
        f"request {match.group(1)} failed"
    ]


@pytest.mark.parametrize("error", ["expired_trigger_id", "invalid_trigger_id"])
async def test_a_trigger_slack_no_longer_accepts_asks_to_run_the_command_again(
    stack: Stack, error: str
) -> None:
    await admin_with_teams(stack)
    stack.standin.inject("views.open", error=error)
    assert await stack.command("location new") == (
        ":warning: Slack took too long to open the form. Run the command again."
    )
    assert stack.standin.calls_to("views.update") == []


async def test_any_other_refusal_to_open_the_modal_is_an_apology(stack: Stack) -> None:
    await admin_with_teams(stack)
    stack.standin.inject("views.open", error="internal_error")
    assert APOLOGY.fullmatch(await stack.command("location new"))
    assert stack.standin.calls_to("views.update") == []


# ---------------------------------------------------------------- list, show, link


async def test_list_and_show_answer_with_the_summaries(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    assert await stack.command("location list") == "No locations."
    assert "blocks" not in replies(stack)[-1]
    await create_goto_location(stack, teams)
    await create_classroom(stack, teams, description="Third floor #onsite")
    webinar = await described(stack, "Webinar Room")
    oslo = await described(stack, "Oslo Room")

    assert await stack.command("location list") == "2 locations"
    assert replies(stack)[-1]["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*2 locations*"}},
        *location_summary(oslo, with_connection=True),
        *location_summary(webinar, with_connection=True),
    ]
    assert await stack.command("location list #ONSITE") == "1 location"
    assert replies(stack)[-1]["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*1 location*"}},
        *location_summary(oslo, with_connection=True),
    ]
    assert await stack.command("location list   #nothing  here") == (
        "No locations matching `#nothing  here`."
    )

    assert await stack.command("location show") == ":warning: Usage: `/vilt location show <name>`"
    assert await stack.command("location show  oslo room") == (
        "Oslo Room: classroom (no GoTo connection)"
    )
    assert replies(stack)[-1]["blocks"] == location_summary(oslo, with_connection=True)
    assert replies(stack)[-1]["response_type"] == "ephemeral"


async def test_a_long_list_shows_a_page_under_a_heading_bold_on_its_own_line(
    stack: Stack,
) -> None:
    teams = await admin_with_teams(stack)
    async with SqlUnitOfWork(stack.runtime.factory) as uow:
        boss = await resolve_actor(uow, WS, BOSS, first_admins=[BOSS])
        for i in range(21):
            form = LocationForm(
                name=f"Room {i:02}",
                kind="classroom",
                owner_team_id=teams["Sales"],
                team_ids=[teams["Sales"]],
            )
            await locations.create_location(uow, boss, form, sealer=stack.runtime.box)
        await uow.commit()
    more = "…and 1 more; narrow the list with a #tag or text."
    assert await stack.command("location list") == f"21 locations\n{more}"
    blocks = replies(stack)[-1]["blocks"]
    assert blocks[0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": f"*21 locations*\n{more}"},
    }
    # A section and a divider for each of the first 20, by name.
    assert len(blocks) == 1 + 2 * 20
    assert [b["text"]["text"].split(" · ")[0] for b in blocks[1::2]] == [
        f"*Room {i:02}*" for i in range(20)
    ]


async def test_link_sends_the_button_privately_and_remembers_where(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    await create_goto_location(stack, teams)
    await create_classroom(stack, teams)
    assert await stack.command("location link") == (
        ":warning: Usage: `/vilt location link <name> [replace]`"
    )
    assert await stack.command("location link oslo room") == (
        ":warning: *Oslo Room* is a classroom; only GoTo locations are linked."
    )
    links = await stack.count(LinkRequest)
    text = await stack.command("location link webinar room")
    command = stack.slack.last_payload or {}
    reply = replies(stack)[-1]
    url = reply["blocks"][1]["elements"][0]["url"]
    expected_text, expected_blocks = link_message(await described(stack, "Webinar Room"), url)
    assert (text, reply["blocks"]) == (expected_text, expected_blocks)
    assert url.startswith(f"{stack.base_url}/goto/oauth/start?state=")
    assert await stack.count(LinkRequest) == links + 1
    newest = max(await stack.rows(LinkRequest), key=lambda r: r.id or 0)
    assert (newest.response_url, newest.message_channel, newest.user_id) == (
        command["response_url"],
        None,
        BOSS,
    )


# ---------------------------------------------------------------- submitting the modal


async def test_a_created_classroom_is_confirmed_with_its_summary(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    view = await open_modal(stack)
    command = stack.slack.last_payload or {}
    before = len(replies(stack))
    assert await submit(stack, view, await classroom_values(teams)) == {}
    reply = await next_reply(stack, before)
    created = ":white_check_mark: Location *Oslo Room* created."
    assert reply == {
        "text": created,
        "blocks": [
            said(created),
            *location_summary(await described(stack, "Oslo Room"), with_connection=True),
        ],
        "response_type": "ephemeral",
    }
    assert stack.standin.calls_to("response_url")[-1].path.endswith(
        command["response_url"].rsplit("/response_url", 1)[1]
    )
    # Edited and saved again: "saved".
    view = await open_modal(stack, "location edit Oslo Room")
    before = len(replies(stack))
    changed = await classroom_values(teams, max_learners="12")
    assert await submit(stack, view, changed) == {}
    reply = await next_reply(stack, before)
    assert reply["text"] == ":white_check_mark: Location *Oslo Room* saved."
    assert reply["blocks"] == [
        said(reply["text"]),
        *location_summary(await described(stack, "Oslo Room"), with_connection=True),
    ]
    (room,) = await stack.rows(Location)
    assert room.max_learners == 12


async def test_a_created_goto_location_gets_the_link_button_and_a_linked_one_its_summary(
    stack: Stack,
) -> None:
    teams = await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gotowebinar")
    before = len(replies(stack))
    assert await submit(stack, view, webinar_values([teams["Sales"]])) == {}
    reply = await next_reply(stack, before)
    url = reply["blocks"][2]["elements"][0]["url"]
    saved = await described(stack, "Webinar Room")
    text, blocks = link_message(
        saved, url, saved_note=":white_check_mark: Location *Webinar Room* created."
    )
    assert reply == {"text": text, "blocks": blocks, "response_type": "ephemeral"}
    request = await remembered_link(stack)
    assert request.response_url is not None and request.message_channel is None
    assert await stack.count(LinkRequest) == 1

    async with httpx.AsyncClient(timeout=10) as http:
        await consent(http, url, account="bob@example.com")
    view = await open_modal(stack, "location edit Webinar Room")
    before = len(replies(stack))
    values = webinar_values([teams["Sales"]], consumer_secret="", description="Renamed #x")
    assert await submit(stack, view, values) == {}
    reply = await next_reply(stack, before)
    assert reply["text"] == ":white_check_mark: Location *Webinar Room* saved."
    assert reply["blocks"] == [
        said(reply["text"]),
        *location_summary(await described(stack, "Webinar Room"), with_connection=True),
    ]
    assert await stack.count(LinkRequest) == 1


async def test_without_a_usable_response_url_the_admin_gets_a_dm(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    teams = await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gotowebinar")
    stack.standin.inject("response_url", status=404)
    with caplog.at_level(logging.INFO, logger="handlers.response_urls"):
        assert await submit(stack, view, webinar_values([teams["Sales"]])) == {}
        (dm,) = await stack.standin.wait_for("chat.postMessage")
    assert [r.getMessage() for r in caplog.records if r.name == "handlers.response_urls"] == [
        "response_url refused the message (HTTP 404); sending a DM"
    ]
    assert dm.args["channel"] == BOSS
    url = json.loads(json.dumps(dm.args["blocks"]))[2]["elements"][0]["url"]
    text, blocks = link_message(
        await described(stack, "Webinar Room"),
        url,
        saved_note=":white_check_mark: Location *Webinar Room* created.",
    )
    assert (dm.args["text"], dm.args["blocks"]) == (text, blocks)
    assert await stack.count(LinkRequest) == 1
    request = await remembered_link(stack)
    assert (request.message_channel, request.message_ts, request.response_url) == (
        dm.response["channel"],
        dm.response["ts"],
        None,
    )

    # A modal that carries no response_url at all goes straight to the DM.
    view = await open_modal(stack)
    view["private_metadata"] = ModalMeta().dump()
    posted = len(stack.standin.calls_to("response_url"))
    values = await classroom_values(teams)
    assert await submit(stack, view, values) == {}
    second = (await stack.standin.wait_for("chat.postMessage", count=2))[1]
    assert (second.args["channel"], second.args["text"]) == (
        BOSS,
        ":white_check_mark: Location *Oslo Room* created.",
    )
    assert len(stack.standin.calls_to("response_url")) == posted


async def test_field_errors_for_fields_the_modal_does_not_show_go_on_the_name(
    stack: Stack,
) -> None:
    teams = await admin_with_teams(stack)
    view = await open_modal(stack)  # a classroom form: no key or secret fields
    values = {**await classroom_values(teams, max_learners="lots"), "kind": "gotowebinar"}
    answer = await submit(stack, view, values)
    assert answer == {
        "response_action": "errors",
        "errors": {
            "max_learners": "Enter a whole number from 1 to 100,000, or leave it empty.",
            "name": "Paste the consumer key of your GoToWebinar app.; "
            "Paste the consumer secret of your GoToWebinar app.",
        },
    }
    assert await stack.count(Location) == 0


async def test_an_admin_who_lost_the_role_is_told_in_the_open_modal(stack: Stack) -> None:
    long_team = "Customer Success and Onboarding " + "t" * 40
    long_name = "Room " + "r" * 90
    await stack.command(f"team new Ops <#{GENERAL}|general>")
    await stack.command(f"team add <@{ANN}> admin")  # Ann keeps this team throughout
    await stack.command(f"team new {long_team} <#{TRAINING}|training>")
    await stack.command(f"team add <@{ANN}> admin")
    await stack.command(f"team use {long_team}", user=ANN)
    by_name = await teams_by_name(stack)
    team_id = by_name[long_team].id or 0
    view = await open_modal(stack)
    values = webinar_values([team_id], name=long_name, kind="classroom")
    replies_before = len(replies(stack))
    assert await submit(stack, view, values) == {}
    await next_reply(stack, replies_before)
    edit = await open_modal(stack, f"location edit {long_name}", user=ANN)
    edit = await choose_kind(stack, edit, "gotowebinar", name=long_name)
    await stack.command(f"team add <@{ANN}> learner")  # Boss demotes Ann

    # Submitting: refused on the name field, cut to what Slack shows.
    message = f"Only admins of team *{long_team}*, which owns *{long_name}*, can change it."
    answer = await submit(stack, edit, {**values, "kind": "classroom"}, user=ANN)
    assert answer == {"response_action": "errors", "errors": {"name": message[:150]}}
    assert len(message) > 150

    # Changing the kind again: the modal no longer shows the saved location's connection.
    before = len(stack.standin.calls_to("views.update"))
    await stack.slack.block_action(
        "kind_selected",
        user_id=ANN,
        team_id=WS,
        view=edit,
        value="gototraining",
        state_values={**values, "kind": "gototraining"},
    )
    (update,) = (await stack.standin.wait_for("views.update", count=before + 1))[before:]
    rebuilt = json.dumps(update.args["view"])
    assert "not linked (the location is not saved yet)" in rebuilt

    # Linking from the modal: the refusal is a notice at the top, nothing is saved.
    before = len(stack.standin.calls_to("views.update"))
    await stack.slack.block_action(
        "link_from_modal",
        user_id=ANN,
        team_id=WS,
        view=edit,
        # The rebuilt modal offers Ann only the team she still administers as owner.
        state_values={
            **{k: v for k, v in values.items() if k != "owner_team"},
            "kind": "gotowebinar",
            "consumer_key": "k",
            "consumer_secret": "s",
        },
    )
    (update,) = (await stack.standin.wait_for("views.update", count=before + 1))[before:]
    assert update.args["view"]["blocks"][0] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f":warning: {message}"}],
    }
    (room,) = await stack.rows(Location)
    assert room.kind == "classroom"
    assert await stack.count(LinkRequest) == 0


async def test_someone_who_administers_no_team_any_more_is_told_so_in_the_modal(
    stack: Stack,
) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{ANN}> admin")
    view = await open_modal(stack, user=ANN)
    await stack.command(f"team add <@{ANN}> learner")  # Boss demotes Ann, her only team

    before = len(stack.standin.calls_to("views.update"))
    await stack.slack.block_action(
        "kind_selected",
        user_id=ANN,
        team_id=WS,
        view=view,
        value="gotowebinar",
        state_values={"name": "Room", "kind": "gotowebinar"},
    )
    (update,) = (await stack.standin.wait_for("views.update", count=before + 1))[before:]
    rebuilt = update.args["view"]
    assert [b["text"]["text"] for b in rebuilt["blocks"]] == [
        ":warning: You are not an admin of any team any more, so this location cannot be saved "
        "from here and nothing was saved. Ask an admin of the owner team to make the change, or "
        "to make you an admin again."
    ]
    assert "submit" not in rebuilt and rebuilt["close"]["text"] == "Close"
    # Slack took the update: the open modal now says it.
    assert "not an admin of any team" in json.dumps(stack.standin.view(view["id"]))
    assert await stack.count(Location) == 0


async def test_changing_the_kind_of_a_saved_location_keeps_its_saved_secret(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    await create_goto_location(stack, teams)
    edit = await open_modal(stack, "location edit Webinar Room")
    typed = webinar_values([teams["Sales"]], consumer_secret="")
    del typed["kind"]
    changed = await choose_kind(stack, edit, "gototraining", **typed)
    update = stack.standin.calls_to("views.update")[-1]
    assert update.args["hash"] == edit["hash"]
    saved = await described(stack, "Webinar Room")
    secret = next(b for b in changed["blocks"] if b.get("block_id") == "consumer_secret")
    assert secret["optional"] is True
    assert f"*Connection status:* {saved.status.text}" in json.dumps(changed)
    assert json.loads(changed["private_metadata"])["l"] == saved.id


async def test_linking_from_a_saved_modal_saves_the_changes_then_offers_goto(
    stack: Stack,
) -> None:
    teams = await admin_with_teams(stack)
    await create_goto_location(stack, teams)
    edit = await open_modal(stack, "location edit Webinar Room")
    command = stack.slack.last_payload or {}
    replies_before = len(replies(stack))
    updates_before = len(stack.standin.calls_to("views.update"))
    values = webinar_values([teams["Sales"]], consumer_secret="new-secret", max_learners="40")
    await stack.slack.block_action(
        "link_from_modal", user_id=BOSS, team_id=WS, view=edit, state_values=values
    )
    (update,) = (await stack.standin.wait_for("views.update", count=updates_before + 1))[
        updates_before:
    ]
    assert (update.args["view_id"], update.args["hash"]) == (edit["id"], edit["hash"])
    note = ":floppy_disk: Changes to *Webinar Room* were saved."
    reply = await next_reply(stack, replies_before)
    url = reply["blocks"][2]["elements"][0]["url"]
    saved = await described(stack, "Webinar Room")
    text, blocks = link_message(saved, url, saved_note=note)
    assert reply == {"text": text, "blocks": blocks, "response_type": "ephemeral"}
    by_name = await teams_by_name(stack)
    form = form_from_view(saved)
    assert update.args["view"] == location_modal(
        form=form,
        admin_teams=[by_name["Sales"], by_name["Support"]],
        all_teams=await all_teams(stack),
        meta=ModalMeta(
            location_id=saved.id,
            response_url=command["response_url"],
            notices=[note + " Now click the button below to open GoTo."],
        ),
        saved=saved,
        link_url=url,
    )
    assert "new-secret" not in json.dumps(update.args)
    (room,) = await stack.rows(Location)
    assert room.max_learners == 40
    newest = await remembered_link(stack)
    assert newest.response_url == command["response_url"]


async def test_linking_from_a_new_modal_says_it_was_saved_and_what_to_click(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gototraining")
    before = len(stack.standin.calls_to("views.update"))
    values = webinar_values([teams["Sales"]], kind="gototraining", name="Lab")
    await stack.slack.block_action(
        "link_from_modal", user_id=BOSS, team_id=WS, view=view, state_values=values
    )
    (update,) = (await stack.standin.wait_for("views.update", count=before + 1))[before:]
    modal = update.args["view"]
    assert modal["blocks"][0]["elements"][0]["text"] == (
        ":floppy_disk: *Lab* was saved with the current settings. "
        "Now click the button below to open GoTo."
    )
    (room,) = await stack.rows(Location)
    assert json.loads(modal["private_metadata"])["l"] == room.id
    assert modal["title"]["text"] == "Edit location" and modal["submit"]["text"] == "Save"
    button = next(b for b in modal["blocks"] if b.get("block_id") == "link")["elements"][0]
    assert (button["action_id"], button["text"]["text"]) == (
        "open_goto_consent",
        "Link with your GoToTraining account",
    )
    # Clicking that button is a plain link: the bot only acknowledges it.
    calls = len(stack.standin.calls)
    response = await stack.slack.block_action(
        "open_goto_consent", user_id=BOSS, team_id=WS, view=modal
    )
    assert response.status_code == 200 and response.text == ""
    assert len(stack.standin.calls) == calls


def test_errors_of_fields_not_shown_are_folded_onto_the_name() -> None:
    view = {"blocks": [{"block_id": "name"}, {"block_id": "max_learners"}, {"type": "divider"}]}
    assert _visible_errors({"max_learners": "Too many."}, view) == {"max_learners": "Too many."}
    assert _visible_errors({"consumer_key": "Paste it.", "kind": "Choose."}, view) == {
        "name": "Paste it.; Choose."
    }
    assert _visible_errors({"name": "Give it a name.", "kind": "Choose."}, view) == {
        "name": "Give it a name.; Choose."
    }
    assert _visible_errors({}, view) == {}
    assert _visible_errors({"kind": "Choose."}, {}) == {"name": "Choose."}


async def test_a_failure_after_the_save_is_told_privately_with_the_request_id(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    teams = await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gotowebinar")

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no state for you")

    monkeypatch.setattr(linking, "start_link", broken)
    before = len(replies(stack))
    assert await submit(stack, view, webinar_values([teams["Sales"]])) == {}
    reply = await next_reply(stack, before)
    assert APOLOGY.fullmatch(reply["text"]), reply
    assert reply["response_type"] == "ephemeral" and "blocks" not in reply
    assert await stack.count(Location) == 1  # the location itself was saved
