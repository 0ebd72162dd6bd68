"""Slack installation store that encrypts tokens at rest and records the installing user."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto import SecretBox

TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")

OnInstalled = Callable[[str, str, str], Awaitable[None]]
Record = TypeVar("Record", Bot, Installation)


class EncryptedInstallationStore(AsyncInstallationStore):
    """Installations kept by slack_sdk's SQLAlchemy store, every token encrypted by SecretBox.

    The SQLAlchemy store only ever sees sealed tokens: it merges a user's installation with
    the workspace's latest bot by itself, and it must do that on stored values, so tokens are
    sealed on the way in and opened exactly once, on the way out.
    """

    def __init__(
        self,
        client_id: str,
        engine: AsyncEngine,
        box: SecretBox,
        on_installed: OnInstalled | None = None,
    ) -> None:
        self._rows = AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine)
        self._box = box
        self._on_installed = on_installed

    @property
    def logger(self) -> logging.Logger:
        """The store's logger (Bolt reads it)."""
        return self._rows.logger

    async def async_save(self, installation: Installation) -> None:
        """Store the installation (and its bot) with its tokens encrypted."""
        await self._rows.async_save(self._sealed(installation))
        if self._on_installed is not None and installation.team_id:
            await self._on_installed(
                installation.team_id, installation.team_name or "", installation.user_id
            )

    async def async_save_bot(self, bot: Bot) -> None:
        """Store the bot with its tokens encrypted."""
        await self._rows.async_save_bot(self._sealed(bot))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The latest bot of a workspace with its tokens decrypted."""
        bot = await self._rows.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return self._opened(bot) if bot is not None else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The (user's) installation with the workspace's latest bot token, decrypted."""
        found = await self._rows.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return self._opened(found) if found is not None else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget a workspace's bot tokens."""
        await self._rows.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Forget a workspace's installations (or one user's)."""
        await self._rows.async_delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget everything a workspace installed."""
        await self._rows.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    def _sealed(self, record: Record) -> Record:
        return _map_tokens(record, self._box.encrypt)

    def _opened(self, record: Record) -> Record:
        return _map_tokens(record, self._box.decrypt)


def _map_tokens(record: Record, fn: Callable[[str], str]) -> Record:
    # Bot and Installation are plain classes; copy them so callers' objects keep plaintext.
    clone: Record = record.__class__.__new__(record.__class__)
    clone.__dict__.update(record.__dict__)
    for name in TOKEN_FIELDS:
        value: Any = getattr(clone, name, None)
        if value:
            setattr(clone, name, fn(value))
    return clone
