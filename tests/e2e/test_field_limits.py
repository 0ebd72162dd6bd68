"""Input the forms did not expect: each field stops at one limit, shared by modal, rules and column.

Every case is a signed modal submission or slash command against the running bot, on SQLite
and PostgreSQL alike (where a too-long value would otherwise reach a varchar column).
"""

from __future__ import annotations

from typing import Any

import pytest

from domain import limits
from domain.models import Location, Membership, Team
from tests.e2e.conftest import BOSS, TRAINING, WS, Stack
from tests.e2e.locations_flow import admin_with_teams, choose_kind, open_modal, webinar_values

URL = "https://ok.example/"
NUMBER_RULE = "Enter a whole number from 1 to 100,000, or leave it empty."

# field, what is typed, the field error expected
REFUSED: list[tuple[str, str, str]] = [
    ("max_learners", "\u00b2", NUMBER_RULE),
    ("max_learners", "1" * 4301, NUMBER_RULE),
    ("max_learners", "9" * 20, NUMBER_RULE),
    ("information_url", URL + "a" * 5000, "An information URL has at most 2,000 characters."),
    (
        "information_url",
        "http://[::1/map",
        "Enter a web address starting with http:// or https://.",
    ),
    ("name", "N" * 101, "A location name has at most 100 characters."),
    # Found by the fuzz test: NUL reached PostgreSQL, which refuses it in text.
    (
        "consumer_key",
        "\x000",
        "That does not look like a consumer key: a consumer key has no spaces or control "
        "characters and at most 200 characters.",
    ),
    (
        "consumer_secret",
        "se\x00cret",
        "That does not look like a consumer secret: it holds control characters.",
    ),
    ("information_url", URL + "a\x00b", "Enter a web address starting with http:// or https://."),
    ("description", "d" * 3001, "A description has at most 3,000 characters."),
    (
        "consumer_key",
        "k" * 201,
        "That does not look like a consumer key: a consumer key has no spaces or control "
        "characters and at most "
        "200 characters.",
    ),
    (
        "consumer_secret",
        "s" * 501,
        "That does not look like a consumer secret: a consumer secret has at most 500 characters.",
    ),
]


async def submit_raw(stack: Stack, view: dict[str, Any], values: dict[str, Any]) -> Any:
    response = await stack.slack.view_submission(
        view, values, user_id=BOSS, team_id=WS, check_required=False
    )
    assert response.status_code == 200, response.text
    return response.json() if response.text.strip() else {}


@pytest.mark.parametrize(
    ("field", "typed", "error"), REFUSED, ids=[f"{f}-{len(t)}" for f, t, _ in REFUSED]
)
async def test_a_value_outside_its_field_limit_is_a_field_error_and_nothing_is_saved(
    stack: Stack, field: str, typed: str, error: str
) -> None:
    teams = await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gotowebinar")
    answer = await submit_raw(stack, view, webinar_values([teams["Sales"]], **{field: typed}))
    assert answer == {"response_action": "errors", "errors": {field: error}}
    assert await stack.count(Location) == 0


async def test_values_at_each_limit_are_saved_as_typed(stack: Stack) -> None:
    teams = await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gotowebinar")
    longest = {
        "name": "N" * limits.LOCATION_NAME_MAX,
        "max_learners": " 100,000".rjust(limits.MAX_LEARNERS_TEXT_MAX),
        "information_url": URL + "a" * (limits.INFORMATION_URL_MAX - len(URL)),
        "description": "d" * limits.DESCRIPTION_MAX,
        "consumer_key": "k" * limits.CONSUMER_KEY_MAX,
        "consumer_secret": "s" * limits.CONSUMER_SECRET_MAX,
    }
    replies = len(stack.standin.calls_to("response_url"))
    assert await submit_raw(stack, view, webinar_values([teams["Sales"]], **longest)) == {}
    await stack.standin.wait_for("response_url", count=replies + 1)  # the link, after the ack
    (saved,) = await stack.rows(Location)
    assert (saved.name, saved.max_learners, saved.information_url, saved.description) == (
        longest["name"],
        limits.MAX_LEARNERS_MAX,
        longest["information_url"],
        longest["description"],
    )
    assert saved.consumer_key == longest["consumer_key"]
    assert stack.runtime.box.decrypt(saved.consumer_secret_enc or "") == longest["consumer_secret"]


async def test_every_text_input_of_the_modal_stops_at_its_limit(stack: Stack) -> None:
    await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gototraining")
    inputs = {
        b["block_id"]: b["element"]
        for b in view["blocks"]
        if b["type"] == "input" and b["element"]["type"] == "plain_text_input"
    }
    assert {k: e.get("max_length") for k, e in inputs.items()} == {
        "name": limits.LOCATION_NAME_MAX,
        "consumer_key": limits.CONSUMER_KEY_MAX,
        "consumer_secret": limits.CONSUMER_SECRET_MAX,
        "max_learners": limits.MAX_LEARNERS_TEXT_MAX,
        "information_url": limits.INFORMATION_URL_MAX,
        "description": limits.DESCRIPTION_MAX,
    }


async def test_a_command_longer_than_any_command_needs_is_refused(stack: Stack) -> None:
    text = "team new " + "x" * limits.COMMAND_TEXT_MAX + f" <#{TRAINING}|training>"
    assert await stack.command(text) == (
        f":warning: That command is {len(text):,} characters long; viltbot reads at most "
        "1,000. `/vilt help` lists the commands."
    )
    assert await stack.count(Team) == 0


async def test_a_team_name_past_its_limit_is_refused(stack: Stack) -> None:
    name = "T" * (limits.TEAM_NAME_MAX + 1)
    assert await stack.command(f"team new {name} <#{TRAINING}|training>") == (
        ":warning: A team name has at most 80 characters."
    )
    longest = "T" * limits.TEAM_NAME_MAX
    reply = await stack.command(f"team new {longest} <#{TRAINING}|training>")
    assert reply.startswith(f":white_check_mark: Team *{longest}* created"), reply


async def test_slack_ids_longer_than_their_columns_are_not_taken_for_ids(stack: Stack) -> None:
    channel = "C" + "0" * limits.SLACK_ID_MAX
    assert await stack.command(f"team new Sales <#{channel}|training>") == (
        f":warning: `<#{channel}|training>` is not a channel. "
        "Usage: `/vilt team new <name> #channel`"
    )
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    user = "U" + "0" * limits.SLACK_ID_MAX
    assert await stack.command(f"team add <@{user}> learner") == (
        f":warning: `<@{user}>` is not a person. "
        "Usage: `/vilt team add @user admin|instructor|learner`"
    )
    assert [m.user_id for m in await stack.rows(Membership)] == [BOSS]
