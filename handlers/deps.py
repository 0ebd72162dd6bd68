"""The collaborators handlers reach through the request context."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.slack.clients import SlackClients
from db.uow import SqlUnitOfWork
from domain.ports import SlackDirectory


@dataclass
class Deps:
    """Wired once in bot.bootstrap and shared by every handler."""

    settings: Settings
    factory: async_sessionmaker[AsyncSession]
    slack_clients: SlackClients
    directory: SlackDirectory

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work."""
        return SqlUnitOfWork(self.factory)
