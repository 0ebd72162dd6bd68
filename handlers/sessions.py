"""`/vilt sessions`, `/vilt session list` and `/vilt session show`: reading the schedule.

Scheduling, registering and alerts build on these (the session modal, the Register button).
"""

from __future__ import annotations

import re

from domain import mrkdwn
from domain.errors import InvalidInput, NotFound
from domain.services import sessions
from handlers.commands import CommandRouter, Invocation, Subcommand
from handlers.parsing import search_text
from handlers.permissions import members, team_admins
from handlers.session_views import LIST_PAGE, count, list_message, show_message

SESSIONS_USAGE = "/vilt sessions [#tag|text]"
LIST_USAGE = "/vilt session list"
SHOW_USAGE = "/vilt session show <number>"
# Session numbers are database ids; longer digit strings cannot be one (nor fit the column).
_NUMBER = re.compile(r"^#?(\d{1,9})$")


async def sessions_list(inv: Invocation) -> None:
    """The upcoming sessions the caller may see (rule 6), optionally filtered."""
    query = search_text(inv.raw_args)
    async with inv.request.deps.uow() as uow:
        page = await sessions.page_sessions(
            uow, inv.actor, query, limit=LIST_PAGE, now=inv.request.deps.clock()
        )
    if not page.views:
        suffix = f" matching {mrkdwn.code(query)}" if query else ""
        await inv.reply(f"No upcoming sessions{suffix}.")
        return
    text, blocks = list_message(
        page,
        header=mrkdwn.bold(count(page.total)),
        for_admins=False,
        hint="narrow the list with a #tag or text.",
        viewer=inv.actor.user_id,
    )
    await inv.reply(text, blocks=blocks)


async def session_list(inv: Invocation) -> None:
    """The active team's upcoming sessions, with status and registrations (its admins)."""
    if inv.raw_args:
        raise InvalidInput(f"Usage: `{LIST_USAGE}` (search with `{SESSIONS_USAGE}`)")
    team = inv.actor.require_admin_of_active()
    async with inv.request.deps.uow() as uow:
        page = await sessions.team_sessions(
            uow, inv.actor, limit=LIST_PAGE, now=inv.request.deps.clock()
        )
    if not page.views:
        await inv.reply(f"Team {mrkdwn.bold(team.name)} has no upcoming sessions.")
        return
    text, blocks = list_message(
        page,
        header=f"{mrkdwn.bold(count(page.total))} of team {mrkdwn.bold(team.name)}",
        for_admins=True,
        hint="the soonest are shown.",
    )
    await inv.reply(text, blocks=blocks)


async def session_show(inv: Invocation) -> None:
    """One session the caller may see, every field of it."""
    wanted = search_text(inv.raw_args)
    if not wanted:
        raise InvalidInput(f"Usage: `{SHOW_USAGE}`; `/vilt sessions` shows the numbers.")
    match = _NUMBER.match(wanted)
    if match is None:
        raise NotFound(_no_such(wanted))
    async with inv.request.deps.uow() as uow:
        try:
            view = await sessions.describe(uow, inv.actor, int(match.group(1)))
        except NotFound:
            raise NotFound(_no_such(wanted)) from None
    text, blocks = show_message(view)
    await inv.reply(text, blocks=blocks)


def _no_such(wanted: str) -> str:
    return (
        f"There is no session {mrkdwn.code(wanted)} open to your teams. "
        f"`/vilt sessions` lists the ones you can see, with their numbers."
    )


def register(router: CommandRouter) -> None:
    """Add the session reading commands."""
    router.add(
        Subcommand(
            "sessions",
            SESSIONS_USAGE,
            "upcoming sessions open to your teams",
            sessions_list,
            members,
        )
    )
    router.add(
        Subcommand(
            "session list",
            LIST_USAGE,
            "your active team's upcoming sessions, with status and registrations",
            session_list,
            team_admins,
        )
    )
    router.add(
        Subcommand(
            "session show",
            SHOW_USAGE,
            "everything about one session",
            session_show,
            members,
        )
    )
