"""The collaborators handlers reach through the request context."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.goto_connections import GoToConnections
from bot.settings import Settings
from bot.slack.clients import SlackClients
from db.uow import SqlUnitOfWork
from domain.ports import GoToLinker, SecretSealer, SlackDirectory


@dataclass
class Deps:
    """Wired once in bot.bootstrap and shared by every handler."""

    settings: Settings
    factory: async_sessionmaker[AsyncSession]
    slack_clients: SlackClients
    directory: SlackDirectory
    sealer: SecretSealer
    goto_linker: GoToLinker
    goto: GoToConnections

    def link_url(self, state: str) -> str:
        """Where the link button sends the browser (our own start page)."""
        return f"{self.settings.public_url}/goto/oauth/start?state={state}"

    @property
    def goto_redirect_uri(self) -> str:
        """The OAuth callback GoTo redirects to."""
        return f"{self.settings.public_url}/goto/oauth/callback"

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work."""
        return SqlUnitOfWork(self.factory)
