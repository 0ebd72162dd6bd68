"""Names and tags as Slack clients send them: quoted, smart-quoted, or turned into channel links."""

from __future__ import annotations

import json

import pytest

from domain.models import Team
from tests.e2e.conftest import BOSS, TRAINING, WS, Stack
from tests.e2e.locations_flow import admin_with_teams, open_modal, submit, webinar_values

LEADERSHIP = "G0SBLEADR1"


async def create_lead_room(stack: Stack) -> None:
    """A classroom called `Lead Room`, tagged #leadership, owned by Sales."""
    teams = await admin_with_teams(stack)
    view = await open_modal(stack)
    replies = len(stack.standin.calls_to("response_url"))
    values = webinar_values(
        [teams["Sales"]], kind="classroom", name="Lead Room", description="Managers #leadership"
    )
    assert await submit(stack, view, values) == {}
    await stack.standin.wait_for("response_url", count=replies + 1)


def last_blocks(stack: Stack) -> str:
    return json.dumps(stack.standin.calls_to("response_url")[-1].args.get("blocks"))


@pytest.mark.parametrize(
    "typed",
    [
        "location list #leadership",
        f"location list <#{LEADERSHIP}|leadership>",
        f"location list <#{LEADERSHIP}|Leadership>",
    ],
)
async def test_a_tag_matches_whether_slack_sent_it_as_text_or_as_a_channel_link(
    stack: Stack, typed: str
) -> None:
    stack.standin.add_channel(WS, LEADERSHIP, "leadership", is_private=True)
    await create_lead_room(stack)
    assert await stack.command(typed) == "1 location"
    assert "Lead Room" in last_blocks(stack)


async def test_a_channel_link_without_a_name_is_answered_clearly(stack: Stack) -> None:
    stack.standin.add_channel(WS, LEADERSHIP, "leadership", is_private=True)
    await create_lead_room(stack)
    assert await stack.command(f"location list <#{LEADERSHIP}|>") == (
        ":warning: Slack sent a channel instead of the #tag, without its name, so I can't tell "
        "which tag you meant. Search by the tag's text without `#`, e.g. "
        "`/vilt location list leadership`."
    )
    assert await stack.command("location list leadership") == "1 location"


async def test_a_channel_link_that_is_no_tag_matches_nothing(stack: Stack) -> None:
    await create_lead_room(stack)
    assert await stack.command(f"location list <#{TRAINING}|training>") == (
        "No locations matching `#training`."
    )


@pytest.mark.parametrize(
    "quoted",
    [
        '"Lead Room"',
        "“Lead Room”",
        "\u2018Lead Room\u2019",
        "'Lead Room'",
        "„Lead Room“",
        '  "lead room" ',
    ],
)
async def test_a_quoted_location_name_is_found(stack: Stack, quoted: str) -> None:
    await create_lead_room(stack)
    assert (
        await stack.command(f"location show {quoted}")
        == "Lead Room: classroom (no GoTo connection)"
    )
    assert await stack.command(f"location list {quoted}") == "1 location"
    view = await open_modal(stack, f"location edit {quoted}")
    assert view.get("submit") and "Lead Room" in json.dumps(view)


async def test_a_quoted_name_keeps_the_quotes_inside_it(stack: Stack) -> None:
    await admin_with_teams(stack)
    reply = await stack.command(f"team new “Bob's Crew” <#{TRAINING}|training>")
    assert reply.startswith(":white_check_mark: Team *Bob's Crew* created;"), reply
    assert await stack.command('location show "Lead Room') == (
        ':warning: There is no location called *"Lead Room*. `/vilt location list` shows them.'
    )


async def test_quoted_team_names_are_taken_by_team_commands(stack: Stack) -> None:
    reply = await stack.command(f'team new "Sales Europe" <#{TRAINING}|training>')
    assert reply.startswith(":white_check_mark: Team *Sales Europe* created;"), reply
    await stack.command(f"team new Support <#{TRAINING}|training>")
    assert await stack.command("team use “sales europe”") == (
        "Your active team is now *Sales Europe* (you are admin)."
    )
    assert [t.name for t in await stack.rows(Team)] == ["Sales Europe", "Support"]
    assert await stack.command(
        f"team new \u2018Sales Europe\u2019 <#{TRAINING}|training>", user=BOSS
    ) == (":warning: A team called *Sales Europe* already exists. Pick another name.")
