"""`/vilt team …`: create, list, use, add and remove members."""

from __future__ import annotations

from domain import mrkdwn
from domain.errors import InvalidInput
from domain.models import Role
from domain.services import teams
from handlers.commands import CommandRouter, Invocation, Subcommand
from handlers.parsing import name_argument, parse_channel, parse_user
from handlers.permissions import members, team_admins, team_creators

NEW_USAGE = "/vilt team new <name> #channel"
USE_USAGE = "/vilt team use <name>"
ADD_USAGE = "/vilt team add @user admin|instructor|learner"
REMOVE_USAGE = "/vilt team remove @user"


async def team_new(inv: Invocation) -> None:
    """Create a team with its report channel."""
    if len(inv.args) < 2:
        raise InvalidInput(
            f"Usage: `{NEW_USAGE}`, e.g. `/vilt team new Sales #training`: "
            "the channel is where the team's reports go."
        )
    channel_id = parse_channel(inv.args[-1], f"`{NEW_USAGE}`")
    name = name_argument(" ".join(inv.args[:-1]))
    deps = inv.request.deps
    async with deps.uow() as uow:
        team = await teams.create_team(
            uow, inv.actor, name=name, channel_id=channel_id, slack=deps.directory
        )
        await uow.commit()
    await inv.reply(
        f":white_check_mark: Team {mrkdwn.bold(team.name)} created; reports go to "
        f"{mrkdwn.channel(team.channel_id)}. You are its admin and it is now your active team. "
        f"Add people with `{ADD_USAGE}`."
    )


async def team_list(inv: Invocation) -> None:
    """List the caller's teams (all teams for workspace admins)."""
    async with inv.request.deps.uow() as uow:
        summaries = await teams.list_teams(uow, inv.actor)
    if not summaries:
        if inv.actor.may_create_teams:
            await inv.reply(f"There are no teams here yet. Create one with `{NEW_USAGE}`.")
        else:
            await inv.reply("There are no teams you belong to yet.")
        return
    lines = ["*Teams*"]
    for s in summaries:
        role = f"you: {s.your_role.value}" if s.your_role else "you: not a member"
        active = " · :large_green_circle: active" if s.active else ""
        lines.append(
            f"• {mrkdwn.bold(s.name)} — {mrkdwn.channel(s.channel_id)}"
            f" · {s.members} member{'s' if s.members != 1 else ''}"
            f" ({s.admins} admin{'s' if s.admins != 1 else ''}) · {role}{active}"
        )
    await inv.reply("\n".join(lines))


async def team_use(inv: Invocation) -> None:
    """Switch the caller's active team."""
    if not inv.raw_args:
        raise InvalidInput(f"Usage: `{USE_USAGE}`")
    async with inv.request.deps.uow() as uow:
        team = await teams.use_team(uow, inv.actor, name_argument(inv.raw_args))
        await uow.commit()
    role = inv.actor.roles.get(team.id or -1)
    await inv.reply(
        f"Your active team is now {mrkdwn.bold(team.name)} "
        f"(you are {role.value if role else 'a member'})."
    )


async def team_add(inv: Invocation) -> None:
    """Add a member to the active team, or change their role."""
    if len(inv.args) != 2:
        raise InvalidInput(f"Usage: `{ADD_USAGE}`")
    user_id = parse_user(inv.args[0], f"`{ADD_USAGE}`")
    try:
        role = Role(inv.args[1].lower())
    except ValueError:
        raise InvalidInput(
            f"{mrkdwn.code(inv.args[1])} is not a role; use admin, instructor or learner. "
            f"Usage: `{ADD_USAGE}`"
        ) from None
    deps = inv.request.deps
    async with deps.uow() as uow:
        team, added = await teams.add_member(
            uow, inv.actor, user_id=user_id, role=role, slack=deps.directory
        )
        await uow.commit()
    if added:
        await inv.reply(
            f":white_check_mark: {mrkdwn.user(user_id)} added to {mrkdwn.bold(team.name)} "
            f"as {role.value}."
        )
    else:
        await inv.reply(
            f":white_check_mark: {mrkdwn.user(user_id)} is now {role.value} "
            f"in {mrkdwn.bold(team.name)}."
        )


async def team_remove(inv: Invocation) -> None:
    """Remove a member from the active team."""
    if len(inv.args) != 1:
        raise InvalidInput(f"Usage: `{REMOVE_USAGE}`")
    user_id = parse_user(inv.args[0], f"`{REMOVE_USAGE}`")
    async with inv.request.deps.uow() as uow:
        team = await teams.remove_member(uow, inv.actor, user_id=user_id)
        await uow.commit()
    await inv.reply(
        f":white_check_mark: {mrkdwn.user(user_id)} is no longer in {mrkdwn.bold(team.name)}."
    )


def register(router: CommandRouter) -> None:
    """Add the team subcommands."""
    router.add(
        Subcommand(
            "team new", NEW_USAGE, "create a team and its report channel", team_new, team_creators
        )
    )
    router.add(
        Subcommand(
            "team list",
            "/vilt team list",
            "the teams you are in",
            team_list,
            members,
            admin_summary="every team in this workspace",
        )
    )
    router.add(Subcommand("team use", USE_USAGE, "switch your active team", team_use, members))
    router.add(
        Subcommand("team add", ADD_USAGE, "add someone to your active team", team_add, team_admins)
    )
    router.add(
        Subcommand(
            "team remove",
            REMOVE_USAGE,
            "remove someone from your active team",
            team_remove,
            team_admins,
        )
    )
