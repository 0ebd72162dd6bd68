"""Slack answering badly, as a user sees it: short rate limits are waited out, the rest explained.

Each test sends a signed `/vilt` request while the Slack stand-in refuses the call the command
makes (conversations.info, users.info or views.open), and reads the reply the user got.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.failures import RATE_LIMITED, TOKEN_INVALID
from domain.models import Membership, Team
from sandbox.slack.records import RecordedCall, SlackError
from tests.e2e.conftest import ANN, BOSS, TOKEN, TRAINING, WS, Stack
from tests.e2e.locations_flow import admin_with_teams


async def test_a_short_rate_limit_is_retried_and_the_command_succeeds(stack: Stack) -> None:
    stack.standin.inject("conversations.info", status=429, retry_after=1)
    reply = await stack.command(f"team new Sales <#{TRAINING}|training>")
    assert "Team *Sales* created" in reply
    limited, answered = stack.standin.calls_to("conversations.info")
    assert limited.status == 429 and answered.ok
    assert [t.name for t in await stack.rows(Team)] == ["Sales"]


async def test_a_rate_limit_that_outlasts_the_retry_says_to_try_again_later(stack: Stack) -> None:
    stack.standin.inject("conversations.info", status=429, retry_after=1, times=2)
    reply = await stack.command(f"team new Sales <#{TRAINING}|training>")
    assert reply == f":warning: {RATE_LIMITED}"
    assert len(stack.standin.calls_to("conversations.info")) == 2
    assert await stack.rows(Team) == []


async def test_a_long_rate_limit_is_not_waited_out_inside_a_request(stack: Stack) -> None:
    stack.standin.inject("conversations.info", status=429, retry_after=30)
    reply = await stack.command(f"team new Sales <#{TRAINING}|training>")
    assert reply == f":warning: {RATE_LIMITED}"
    assert len(stack.standin.calls_to("conversations.info")) == 1


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
async def test_a_dead_token_on_conversations_info_asks_for_a_reinstall(
    stack: Stack, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    stack.standin.inject("conversations.info", error=error)
    reply = await stack.command(f"team new Sales <#{TRAINING}|training>")
    assert reply == f":warning: {TOKEN_INVALID}"
    assert await stack.rows(Team) == []
    # The operator reads which call Slack refused and why, and never the token.
    assert f"Slack refused conversations.info: {error} (HTTP 200)" in caplog.messages
    assert TOKEN not in caplog.text


async def test_a_missing_scope_on_users_info_names_the_permission(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    members = await stack.rows(Membership)

    def refuse(call: RecordedCall) -> dict[str, Any]:
        raise SlackError("missing_scope", needed="users:read", provided="commands,chat:write")

    stack.standin.on("users.info", refuse)
    reply = await stack.command(f"team add <@{ANN}|ann> admin")
    assert reply == (
        ":warning: viltbot lacks the `users:read` permission in this workspace; "
        "ask a workspace admin to reinstall the app to grant it."
    )
    assert len(await stack.rows(Membership)) == len(members)


async def test_a_missing_scope_on_conversations_info_is_not_blamed_on_the_channel(
    stack: Stack,
) -> None:
    def refuse(call: RecordedCall) -> dict[str, Any]:
        raise SlackError("missing_scope", needed="groups:read", provided="commands")

    stack.standin.on("conversations.info", refuse)
    reply = await stack.command(f"team new Sales <#{TRAINING}|training>")
    assert "`groups:read` permission" in reply and "invite me" not in reply


@pytest.mark.parametrize(
    ("fault", "told"),
    [
        ({"error": "token_revoked"}, TOKEN_INVALID),
        ({"status": 429, "retry_after": 1, "times": 2}, RATE_LIMITED),
    ],
    ids=["token_revoked", "rate_limited"],
)
async def test_views_open_refused_tells_the_user_in_the_command_reply(
    stack: Stack, fault: dict[str, Any], told: str
) -> None:
    await admin_with_teams(stack)
    stack.standin.inject("views.open", **fault)
    reply = await stack.command("location new")
    assert reply == f":warning: {told}"
    assert stack.standin.calls_to("views.update") == []


async def test_views_open_rate_limited_once_still_opens_the_form(stack: Stack) -> None:
    # Bolt's own per-request client carries the same retry handlers.
    await admin_with_teams(stack)
    stack.standin.inject("views.open", status=429, retry_after=1)
    response = await stack.slack.slash("location new", user_id=BOSS, team_id=WS)
    assert response.status_code == 200
    updated = await stack.standin.wait_for("views.update", timeout=8)
    limited, opened = stack.standin.calls_to("views.open")
    assert limited.status == 429 and opened.ok
    assert updated[0].ok and updated[0].args["view_id"] == opened.response["view"]["id"]
