"""`/vilt sync [session]`: an admin runs attendance sync by hand and reads what changed."""

from __future__ import annotations

import re

from domain import mrkdwn
from domain.errors import InvalidInput
from domain.services import completion_sync
from handlers.commands import CommandRouter, Invocation, Subcommand
from handlers.parsing import search_text
from handlers.permissions import team_admins

SYNC_USAGE = "/vilt sync [session number]"
_NUMBER = re.compile(r"^#?(\d{1,9})$")


async def sync_command(inv: Invocation) -> None:
    """Sync one session (or the active team's ended ones) with GoTo now and say what changed."""
    wanted = search_text(inv.raw_args)
    session_id: int | None = None
    if wanted:
        match = _NUMBER.match(wanted)
        if match is None:
            raise InvalidInput(
                f"Usage: `{SYNC_USAGE}`; `/vilt session list` shows your team's session numbers."
            )
        session_id = int(match.group(1))
    deps = inv.request.deps
    now = deps.clock()
    async with deps.uow() as uow:
        targets = await completion_sync.by_hand_targets(uow, inv.actor, session_id, now=now)
    if not targets:
        team = inv.actor.require_admin_of_active()
        await inv.reply(
            f"Team {mrkdwn.bold(team.name)} has no ended GoTo session waiting for its final sync."
        )
        return
    noun = "session" if len(targets) == 1 else "sessions"
    await inv.reply(f":hourglass_flowing_sand: Syncing {len(targets)} {noun} with GoTo…")
    lines = []
    for target in targets:
        result = await completion_sync.sync_session(
            deps.uow,
            target,
            goto=deps.goto_reports,
            renderer=deps.report_renderer,
            now=now,
            by_hand=True,
        )
        icon = ":white_check_mark:" if result.ran else ":warning:"
        lines.append(f"{icon} {mrkdwn.escape(result.summary())}")
    await inv.reply("\n".join(lines))


def register(router: CommandRouter) -> None:
    """Add `/vilt sync`."""
    router.add(
        Subcommand(
            "sync",
            SYNC_USAGE,
            "read attendance and poll answers from GoTo now, for ended sessions",
            sync_command,
            team_admins,
        )
    )
