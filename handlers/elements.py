"""`/vilt element …`: the learning elements (catalog entries) sessions belong to."""

from __future__ import annotations

from domain import mrkdwn
from domain.errors import InvalidInput
from domain.services import elements
from handlers.commands import CommandRouter, Invocation, Subcommand
from handlers.parsing import name_argument
from handlers.permissions import in_a_team, team_admins

NEW_USAGE = elements.NEW_USAGE
LIST_USAGE = "/vilt element list"


async def element_new(inv: Invocation) -> None:
    """Add a learning element to the active team's catalog."""
    if not inv.raw_args:
        raise InvalidInput(f"Usage: `{NEW_USAGE}`")
    async with inv.request.deps.uow() as uow:
        element = await elements.create_element(uow, inv.actor, name_argument(inv.raw_args))
        await uow.commit()
    team = inv.actor.active_team
    owner = f" of team {mrkdwn.bold(team.name)}" if team is not None else ""
    await inv.reply(
        f":white_check_mark: Learning element {mrkdwn.bold(element.title)} added to the catalog"
        f"{owner}. `/vilt element list` shows the catalog."
    )


async def element_list(inv: Invocation) -> None:
    """The learning elements of the caller's teams, the active team's first."""
    async with inv.request.deps.uow() as uow:
        summaries = await elements.list_elements(uow, inv.actor, now=inv.request.deps.clock())
    if not summaries:
        hint = (
            f" Add one with `{NEW_USAGE}`."
            if any(inv.actor.is_admin_of(team_id) for team_id in inv.actor.teams)
            else ""
        )
        await inv.reply(f"Your teams have no learning elements yet.{hint}")
        return
    summaries.sort(key=lambda s: not s.active_team)
    lines = ["*Learning elements*"]
    team_id: int | None = None
    for s in summaries:
        if s.team_id != team_id:
            team_id = s.team_id
            active = " (your active team)" if s.active_team else ""
            lines.append(f"Team {mrkdwn.bold(s.team)}{active}")
        upcoming = (
            f"{s.upcoming_sessions} upcoming session{'s' if s.upcoming_sessions != 1 else ''}"
            if s.upcoming_sessions
            else "no upcoming sessions"
        )
        lines.append(f"• {mrkdwn.bold(s.title)} · {upcoming}")
    await inv.reply("\n".join(lines))


def register(router: CommandRouter) -> None:
    """Add the learning element subcommands."""
    router.add(
        Subcommand(
            "element new",
            NEW_USAGE,
            "add a learning element (course) to your active team's catalog",
            element_new,
            team_admins,
        )
    )
    router.add(
        Subcommand(
            "element list",
            LIST_USAGE,
            "the learning elements of your teams",
            element_list,
            in_a_team,
        )
    )
