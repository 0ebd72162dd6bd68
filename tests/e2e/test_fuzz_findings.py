"""What the fuzz test (test_fuzz.py) found, kept as exact cases: each once made the bot silent."""

from __future__ import annotations

from tests.e2e.conftest import BOSS, WS, Stack
from tests.e2e.locations_flow import (
    admin_with_teams,
    choose_kind,
    open_modal,
    submit,
    webinar_values,
)

SLACK_TEXT_MAX = 40_000


async def test_a_very_long_unknown_command_still_gets_a_reply_slack_accepts(stack: Stack) -> None:
    before = len(stack.standin.calls_to("response_url"))
    response = await stack.slack.slash("0" * 39_990, user_id=BOSS, team_id=WS)
    assert response.status_code == 200
    calls = await stack.standin.wait_for("response_url", count=before + 1)
    violations = list(stack.standin.violations)
    stack.standin.violations.clear()
    assert len(calls[before].args.get("text", "")) <= SLACK_TEXT_MAX
    assert violations == []


async def test_a_max_learners_of_4301_digits_is_a_field_error(stack: Stack) -> None:
    max_learners = "9" * 4301
    teams = await admin_with_teams(stack)
    view = await choose_kind(stack, await open_modal(stack), "gotowebinar")
    ack = await submit(stack, view, webinar_values([teams["Sales"]], max_learners=max_learners))
    assert ack.get("response_action") == "errors"
    assert "max_learners" in ack["errors"]
