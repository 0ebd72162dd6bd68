"""`/vilt help`: the commands the caller may use."""

from __future__ import annotations

from handlers.commands import CommandRouter, Invocation, Subcommand, help_text
from handlers.permissions import anyone


def register(router: CommandRouter) -> None:
    """Add `/vilt help`."""

    async def show_help(inv: Invocation) -> None:
        await inv.reply(help_text(router, inv.actor))

    router.add(Subcommand("help", "/vilt help", "this list", show_help, anyone))
