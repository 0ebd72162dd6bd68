"""`/vilt team …` over signed HTTP: every reply word for word, and the rows behind it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.uow import SqlUnitOfWork
from domain.models import Membership, Team, UserPreference
from handlers.teams import team_list
from tests.e2e.conftest import ANN, BEN, BOSS, CLAIRE, GENERAL, TRAINING, Stack
from tests.handlers.support import actor, invocation, offline_deps

NEW_USAGE = (
    ":warning: Usage: `/vilt team new <name> #channel`, e.g. `/vilt team new Sales #training`: "
    "the channel is where the team's reports go."
)
ADD_USAGE = "`/vilt team add @user admin|instructor|learner`"


async def memberships(stack: Stack) -> set[tuple[str, str, str]]:
    names = {t.id: t.name for t in await stack.rows(Team)}
    return {(names[m.team_id], m.user_id, m.role) for m in await stack.rows(Membership)}


async def active_team(stack: Stack, user_id: str) -> str | None:
    names = {t.id: t.name for t in await stack.rows(Team)}
    prefs = [p for p in await stack.rows(UserPreference) if p.user_id == user_id]
    return names.get(prefs[0].active_team_id) if prefs else None


async def test_new_checks_its_arguments_before_asking_slack(stack: Stack) -> None:
    cases = {
        "team new": NEW_USAGE,
        "team new Sales": NEW_USAGE,
        f"team new <#{TRAINING}|training>": NEW_USAGE,
        "team new Sales training": (
            ":warning: `training` is not a channel. Usage: `/vilt team new <name> #channel`"
        ),
        "team new Sales #training": (
            ":warning: I couldn't tell which channel `#training` is. Pick it from Slack's channel "
            "list as you type `#` so it turns into a link. Usage: `/vilt team new <name> #channel`"
        ),
    }
    for text, expected in cases.items():
        assert await stack.command(text) == expected, text
    assert stack.standin.calls_to("conversations.info") == []
    assert await stack.count(Team) == 0


async def test_new_creates_the_team_with_its_creator_as_admin_working_in_it(stack: Stack) -> None:
    reply = await stack.command(f"team new Sales  Academy <#{TRAINING}|training>")
    assert reply == (
        f":white_check_mark: Team *Sales Academy* created; reports go to <#{TRAINING}>. "
        "You are its admin and it is now your active team. Add people with "
        "`/vilt team add @user admin|instructor|learner`."
    )
    (team,) = await stack.rows(Team)
    assert (team.name, team.channel_id, team.created_by) == ("Sales Academy", TRAINING, BOSS)
    assert await memberships(stack) == {("Sales Academy", BOSS, "admin")}
    assert await active_team(stack, BOSS) == "Sales Academy"
    # A raw channel id works as well as a mention.
    reply = await stack.command(f"team new Support {GENERAL}")
    assert reply.startswith(
        f":white_check_mark: Team *Support* created; reports go to <#{GENERAL}>."
    )
    assert await active_team(stack, BOSS) == "Support"


async def test_list_counts_members_and_admins_and_marks_the_active_team(stack: Stack) -> None:
    assert await stack.command("team list") == (
        "There are no teams here yet. Create one with `/vilt team new <name> #channel`."
    )
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{ANN}> admin")
    await stack.command(f"team add <@{BEN}> learner")
    await stack.command(f"team add <@{CLAIRE}> instructor")
    await stack.command(f"team new Support <#{GENERAL}|general>")
    await stack.command(f"team new Ops <#{GENERAL}|general>")
    await stack.command(f"team add <@{ANN}> admin")
    # Ann takes over Ops; Boss, a workspace admin, still sees it.
    await stack.command("team use Ops", user=ANN)
    await stack.command(f"team remove <@{BOSS}>", user=ANN)
    await stack.command("team use Support")
    assert await stack.command("team list") == (
        "*Teams*\n"
        f"• *Ops* — <#{GENERAL}> · 1 member (1 admin) · you: not a member\n"
        f"• *Sales* — <#{TRAINING}> · 4 members (2 admins) · you: admin\n"
        f"• *Support* — <#{GENERAL}> · 1 member (1 admin) · you: admin · :large_green_circle: active"
    )
    assert await stack.command("team list", user=CLAIRE) == (
        "*Teams*\n"
        f"• *Sales* — <#{TRAINING}> · 4 members (2 admins) · you: instructor"
        " · :large_green_circle: active"
    )


async def test_list_without_teams_offers_creation_only_to_those_who_may_create(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    # Through Slack only a workspace admin can list teams while in none; the handler alone shows
    # what anyone else would be told.
    deps = offline_deps(uow=lambda: SqlUnitOfWork(factory))
    inv, replies = invocation(actor(BEN), deps=deps)
    await team_list(inv)
    assert replies.texts == ["There are no teams you belong to yet."]


async def test_use_switches_the_active_team_and_says_the_role(stack: Stack) -> None:
    assert await stack.command("team use") == ":warning: Usage: `/vilt team use <name>`"
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{BEN}> learner")
    await stack.command(f"team new Support <#{GENERAL}|general>")
    assert await active_team(stack, BOSS) == "Support"
    assert await stack.command("team use  sales ") == (
        "Your active team is now *Sales* (you are admin)."
    )
    assert await active_team(stack, BOSS) == "Sales"
    assert await stack.command("team use SALES", user=BEN) == (
        "Your active team is now *Sales* (you are learner)."
    )
    assert await stack.command("team use Support", user=BEN) == (
        ":warning: You are not a member of team *Support*. Ask one of its admins to add you."
    )
    assert await active_team(stack, BEN) == "Sales"


async def test_add_checks_its_arguments_then_adds_or_changes_the_role(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    stack.standin.calls.clear()
    usage = f":warning: Usage: {ADD_USAGE}"
    cases = {
        "team add": usage,
        f"team add <@{ANN}>": usage,
        f"team add <@{ANN}> admin now": usage,
        "team add ann learner": f":warning: `ann` is not a person. Usage: {ADD_USAGE}",
        "team add @ann learner": (
            ":warning: I couldn't tell who `@ann` is. Pick the person from Slack's list as you "
            f"type `@` so it turns into a mention. Usage: {ADD_USAGE}"
        ),
        f"team add <@{ANN}> boss": (
            f":warning: `boss` is not a role; use admin, instructor or learner. Usage: {ADD_USAGE}"
        ),
    }
    for text, expected in cases.items():
        assert await stack.command(text) == expected, text
    assert stack.standin.calls_to("users.info") == []
    assert await memberships(stack) == {("Sales", BOSS, "admin")}

    assert await stack.command(f"team add <@{ANN}|ann> ADMIN") == (
        f":white_check_mark: <@{ANN}> added to *Sales* as admin."
    )
    assert await stack.command(f"team add {CLAIRE} instructor") == (
        f":white_check_mark: <@{CLAIRE}> added to *Sales* as instructor."
    )
    assert await stack.command(f"team add <@{CLAIRE}> Learner", user=ANN) == (
        f":white_check_mark: <@{CLAIRE}> is now learner in *Sales*."
    )
    assert await memberships(stack) == {
        ("Sales", BOSS, "admin"),
        ("Sales", ANN, "admin"),
        ("Sales", CLAIRE, "learner"),
    }


async def test_remove_checks_its_arguments_then_removes(stack: Stack) -> None:
    await stack.command(f"team new Sales <#{TRAINING}|training>")
    await stack.command(f"team add <@{BEN}> learner")
    usage = ":warning: Usage: `/vilt team remove @user`"
    cases = {
        "team remove": usage,
        f"team remove <@{BEN}> now": usage,
        "team remove ben": ":warning: `ben` is not a person. Usage: `/vilt team remove @user`",
    }
    for text, expected in cases.items():
        assert await stack.command(text) == expected, text
    assert await memberships(stack) == {("Sales", BOSS, "admin"), ("Sales", BEN, "learner")}
    assert await stack.command(f"team remove <@{BEN}|ben>") == (
        f":white_check_mark: <@{BEN}> is no longer in *Sales*."
    )
    assert await memberships(stack) == {("Sales", BOSS, "admin")}


async def test_team_names_are_escaped_in_replies(stack: Stack) -> None:
    reply = await stack.command(f"team new R&amp;D &lt;EU&gt; <#{TRAINING}|training>")
    assert reply.startswith(":white_check_mark: Team *R&amp;D &lt;EU&gt;* created;"), reply
