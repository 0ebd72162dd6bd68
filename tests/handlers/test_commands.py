"""The `/vilt` router without Slack: finding subcommands, help, unknown commands, failures."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from slack_bolt.async_app import AsyncApp

from bot.slack_app import build_router
from domain.actor import Actor
from domain.errors import DomainError, NotFound
from domain.models import Role
from handlers.commands import (
    CommandRouter,
    Invocation,
    Subcommand,
    _after,
    _unknown,
    _who,
    help_text,
    run_safely,
)
from handlers.permissions import members, team_admins
from tests.handlers.snapshots import assert_snapshot, text_lines
from tests.handlers.support import (
    REQUEST_ID,
    SALES,
    actor,
    instructor,
    invocation,
    learner,
    newcomer,
    team_admin,
    workspace_admin,
)


async def nothing(inv: Invocation) -> None:
    return None


def small_router() -> CommandRouter:
    router = CommandRouter()
    router.add(Subcommand("team list", "/vilt team list", "the teams", nothing, members))
    router.add(Subcommand("team", "/vilt team", "about teams", nothing))
    router.add(Subcommand("team add", "/vilt team add @user role", "add", nothing, team_admins))
    router.add(Subcommand("teams", "/vilt teams", "all teams", nothing))
    return router


@pytest.fixture
def router() -> CommandRouter:
    """The bot's own router, every subcommand registered as in production.

    Built for each test (it takes a millisecond), so that each test is seen to run the
    registrations it depends on.
    """
    return build_router(AsyncApp(signing_secret="unused", token="xoxb-unused"))


async def test_a_reply_goes_to_the_caller_only() -> None:
    inv, replies = invocation(learner())
    await inv.reply("hello")
    await inv.reply("with blocks", blocks=[{"type": "divider"}])
    assert replies.calls == [
        {"text": "hello", "blocks": None, "response_type": "ephemeral"},
        {"text": "with blocks", "blocks": [{"type": "divider"}], "response_type": "ephemeral"},
    ]
    assert inv.actor is inv.request.actor


def test_a_subcommand_without_a_rule_is_for_everyone() -> None:
    command = Subcommand("x", "/vilt x", "x", nothing)
    assert command.allowed(newcomer()) is True


def test_the_longest_registered_name_wins_and_the_rest_are_arguments() -> None:
    router = small_router()
    by_name = router.commands
    assert router.find(["Team", "LIST", "extra"]) == (by_name["team list"], ["extra"])
    assert router.find(["team", "list"]) == (by_name["team list"], [])
    assert router.find(["team", "Sales", "x"]) == (by_name["team"], ["Sales", "x"])
    assert router.find(["team"]) == (by_name["team"], [])
    assert router.find(["teams"]) == (by_name["teams"], [])
    assert router.find(["nope", "list"]) == (None, ["nope", "list"])
    assert router.find([]) == (None, [])


def test_visible_commands_keep_their_order_and_groups_are_by_first_word() -> None:
    router = small_router()
    assert [c.name for c in router.visible_to(newcomer())] == ["team", "teams"]
    assert [c.name for c in router.visible_to(learner())] == ["team list", "team", "teams"]
    assert [c.name for c in router.visible_to(team_admin())] == [
        "team list",
        "team",
        "team add",
        "teams",
    ]
    assert [c.name for c in router.group_usage("team")] == ["team list", "team add"]
    assert router.group_usage("tea") == []
    assert router.group_usage("list") == []


PEOPLE: dict[str, Callable[[], Actor]] = {
    "newcomer": newcomer,
    "workspace-admin": workspace_admin,
    "learner": learner,
    "instructor": instructor,
    "team-admin": team_admin,
    "workspace-admin-and-team-admin": lambda: actor(
        "U0BOSS0001", [(SALES, Role.ADMIN)], workspace_admin=True
    ),
    "newcomer-no-workspace-admins": lambda: actor("U0BEN00001", workspace_admins=()),
}


@pytest.mark.parametrize("who", list(PEOPLE))
def test_help_lists_what_each_person_may_use(router: CommandRouter, who: str) -> None:
    assert_snapshot(f"help-{who}", text_lines(help_text(router, PEOPLE[who]())))


def test_the_names_people_type_are_registered_in_the_order_help_lists_them(
    router: CommandRouter,
) -> None:
    assert list(router.commands) == [
        "help",
        "team new",
        "team list",
        "team use",
        "team add",
        "team remove",
        "location new",
        "location edit",
        "location list",
        "location show",
        "location link",
        "element new",
        "element list",
        "sessions",
        "session list",
        "session show",
        "session new",
        "session edit",
        "session cancel",
        "register",
        "unregister",
        "report",
        "sync",
    ]
    assert [c.name for c in router.visible_to(newcomer())] == ["help"]


def test_help_can_start_with_an_intro(router: CommandRouter) -> None:
    text = help_text(router, learner(), intro="I don't know `/vilt dance`.")
    assert text.split("\n")[:2] == [
        "I don't know `/vilt dance`.",
        "*viltbot commands you can use:*",
    ]


async def run(work_error: Exception | None) -> tuple[list[str], str]:
    said: list[str] = []

    async def reply(text: str) -> None:
        said.append(text)

    async def work() -> None:
        if work_error is not None:
            raise work_error

    await run_safely(reply, REQUEST_ID, work())
    return said, REQUEST_ID


async def test_work_that_succeeds_says_nothing_more() -> None:
    assert (await run(None))[0] == []


async def test_a_domain_error_is_told_as_a_warning() -> None:
    said, _ = await run(NotFound("There is no team called *Nope* here."))
    assert said == [":warning: There is no team called *Nope* here."]
    said, _ = await run(DomainError("Plain."))
    assert said == [":warning: Plain."]


async def test_an_unexpected_error_is_logged_and_answered_with_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="handlers.commands"):
        said, request_id = await run(RuntimeError("password=hunter2"))
    assert said == [
        ":boom: Sorry, something went wrong on our side. If it keeps happening, give your "
        f"admin this request id: `{request_id}`."
    ]
    (record,) = caplog.records
    assert record.getMessage() == f"request {request_id} failed"
    assert record.exc_info is not None and "hunter2" in str(record.exc_info[1])


@pytest.mark.parametrize(
    ("who", "words", "expected"),
    [
        ("learner", [], None),
        ("learner", ["HELP"], None),
        ("learner", ["frobnicate", "now"], "I don't know `/vilt frobnicate`."),
        (
            "learner",
            ["Team", "frob", "x"],
            "I don't know `/vilt Team frob`. Try:\n"
            "• `/vilt team list` — the teams you are in\n"
            "• `/vilt team use <name>` — switch your active team",
        ),
        ("newcomer", ["team"], "I don't know `/vilt team`."),
        ("newcomer", ["location", "list"], "I don't know `/vilt location`."),
        (
            "team-admin",
            ["location"],
            "*`/vilt location` commands you can use:*\n"
            "• `/vilt location new` — create a location (classroom or GoTo)\n"
            "• `/vilt location edit <name>` — change a location your team owns\n"
            "• `/vilt location list [#tag|text]` — locations your teams can use\n"
            "• `/vilt location show <name>` — one location, with its GoTo connection if your team owns it\n"
            "• `/vilt location link <name> [replace]` — link a location to a GoTo account",
        ),
    ],
)
async def test_unknown_commands_get_help_or_the_commands_of_their_group(
    router: CommandRouter, who: str, words: list[str], expected: str | None
) -> None:
    person = PEOPLE[who]()
    inv, replies = invocation(person)
    await _unknown(router, inv, words)
    help_only = help_text(router, person)
    if expected is None:
        assert replies.texts == [help_only]
    elif "Try:" in expected or "commands you can use" in expected:
        assert replies.texts == [expected]
    else:
        assert replies.texts == [f"{expected}\n{help_only}"]
    assert [c["response_type"] for c in replies.calls] == ["ephemeral"]


async def test_help_is_help_even_where_no_help_command_is_registered() -> None:
    router = small_router()
    inv, replies = invocation(learner())
    await _unknown(router, inv, ["Help"])
    assert replies.texts == [help_text(router, learner())]


@pytest.mark.parametrize(
    ("text", "name", "rest"),
    [
        ("team new Sales Academy <#C1|t>", "team new", "Sales Academy <#C1|t>"),
        ("  team   use   Sales   Academy  ", "team use", "Sales   Academy"),
        ("help", "help", ""),
        ("help me", "help", "me"),
        ("team list", "team list", ""),
        ("team", "team list", ""),
    ],
)
def test_the_raw_arguments_are_what_follows_the_command_name(
    text: str, name: str, rest: str
) -> None:
    assert _after(text, name) == rest


def test_a_rule_without_a_docstring_is_named_other_roles() -> None:
    def documented(person: Actor) -> bool:
        """people with a badge."""
        return False

    assert _who(Subcommand("x", "/vilt x", "x", nothing, lambda person: False)) == "other roles"
    assert _who(Subcommand("x", "/vilt x", "x", nothing, documented)) == "people with a badge"
