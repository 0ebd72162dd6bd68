"""`/vilt` over signed HTTP: routing, refusals, unknown commands, failures (the whole stack)."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from domain.models import Membership, Team
from domain.services import teams
from tests.e2e.conftest import ANN, BEN, BOSS, TRAINING, Stack
from tests.handlers.snapshots import assert_snapshot, text_lines

HELP_HEAD = "*viltbot commands you can use:*"


def methods_called(stack: Stack) -> set[str]:
    """Slack methods the bot called (besides Bolt's own auth.test)."""
    return {c.method for c in stack.standin.calls} - {"auth.test"}


def last_reply(stack: Stack) -> dict[str, Any]:
    """What the bot last posted to a response_url."""
    return dict(stack.standin.calls_to("response_url")[-1].args)


async def sales_with_a_learner(stack: Stack) -> None:
    """BOSS administers Sales; BEN is a learner in it."""
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{BEN}> learner")
    stack.standin.calls.clear()


async def test_help_in_any_form_lists_the_callers_commands_privately(stack: Stack) -> None:
    for text in ("", "   ", "help", "HELP", "  help  me "):
        reply = await stack.command(text)
        assert_snapshot("help-workspace-admin", text_lines(reply))
        assert last_reply(stack)["response_type"] == "ephemeral"
    assert_snapshot("help-newcomer", text_lines(await stack.command("help", user=BEN)))
    assert methods_called(stack) == {"response_url"}


async def test_a_command_the_caller_may_not_use_is_refused_naming_who_may(stack: Stack) -> None:
    refusal = await stack.command("team list", user=BEN)
    prefix = ":no_entry: `/vilt team list` is for team members. "
    assert refusal.startswith(prefix)
    assert_snapshot("help-newcomer", text_lines(refusal.removeprefix(prefix)))

    await sales_with_a_learner(stack)
    for text, who in [
        (f"team add <@{ANN}> admin", "team admins"),
        (f"team remove <@{BOSS}>", "team admins"),
        (f"team new Rogue <#{TRAINING}|training>", "viltbot's workspace admins"),
        ("location new", "team admins"),
    ]:
        name = " ".join(text.split()[:2])
        refusal = await stack.command(text, user=BEN)
        prefix = f":no_entry: `/vilt {name}` is for {who}. "
        assert refusal.startswith(prefix), refusal
        assert_snapshot("help-learner", text_lines(refusal.removeprefix(prefix)))
        assert last_reply(stack)["response_type"] == "ephemeral"
    # Refused before anything was looked up or changed.
    assert methods_called(stack) == {"response_url"}
    assert await stack.count(Team) == 1 and await stack.count(Membership) == 2


async def test_unknown_commands_are_answered_with_what_there_is(stack: Stack) -> None:
    await sales_with_a_learner(stack)
    reply = await stack.command("frobnicate now", user=BEN)
    assert reply.startswith("I don't know `/vilt frobnicate`.\n")
    assert_snapshot("help-learner", text_lines(reply.split("\n", 1)[1]))
    assert await stack.command("Team frob x", user=BEN) == (
        "I don't know `/vilt Team frob`. Try:\n"
        "• `/vilt team list` — the teams you are in\n"
        "• `/vilt team use <name>` — switch your active team"
    )
    assert last_reply(stack)["response_type"] == "ephemeral"


async def test_a_newcomer_typing_a_command_group_is_told_how_to_join(stack: Stack) -> None:
    reply = await stack.command("team", user=BEN)
    assert reply.startswith("I don't know `/vilt team`.\n")
    assert_snapshot("help-newcomer", text_lines(reply.split("\n", 1)[1]))


async def test_arguments_keep_their_spacing_after_the_command_name(stack: Stack) -> None:
    reply = await stack.command(f"  TEAM   New   Sales   Academy   <#{TRAINING}|training>  ")
    assert reply.startswith(":white_check_mark: Team *Sales Academy* created;")
    # `use` takes the rest of the text as the name, whatever the case and spacing.
    reply = await stack.command("Team USE   sales academy ")
    assert reply == "Your active team is now *Sales Academy* (you are admin)."


async def test_a_domain_error_is_a_warning_and_a_crash_an_apology_with_the_request_id(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert await stack.command("team use Nope") == (
        ":warning: There is no team called *Nope* here. `/vilt team list` shows the teams."
    )

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire: password=hunter2")

    monkeypatch.setattr(teams, "list_teams", broken)
    with caplog.at_level(logging.ERROR, logger="handlers.commands"):
        reply = await stack.command("team list")
    match = re.fullmatch(
        r":boom: Sorry, something went wrong on our side\. If it keeps happening, give your "
        r"admin this request id: `([0-9a-f]{12})`\.",
        reply,
    )
    assert match, reply
    logged = [r for r in caplog.records if r.name == "handlers.commands"]
    assert [r.getMessage() for r in logged] == [f"request {match.group(1)} failed"]
    assert last_reply(stack)["response_type"] == "ephemeral"
