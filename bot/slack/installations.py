"""Slack installation store that encrypts tokens at rest and records the installing user."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto import SecretBox

TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")

OnInstalled = Callable[[str, str, str], Awaitable[None]]


class EncryptedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy store with every token encrypted by SecretBox."""

    def __init__(
        self,
        client_id: str,
        engine: AsyncEngine,
        box: SecretBox,
        on_installed: OnInstalled | None = None,
    ) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self._box = box
        self._on_installed = on_installed

    async def async_save(self, installation: Installation) -> None:
        """Store the installation with its tokens encrypted."""
        await super().async_save(self._sealed(installation))
        if self._on_installed is not None and installation.team_id:
            await self._on_installed(
                installation.team_id, installation.team_name or "", installation.user_id
            )

    async def async_save_bot(self, bot: Bot) -> None:
        """Store the bot with its tokens encrypted."""
        await super().async_save_bot(self._sealed(bot))

    async def async_find_bot(self, **kwargs: Any) -> Bot | None:
        """The bot of a workspace with its tokens decrypted."""
        bot = await super().async_find_bot(**kwargs)
        return self._opened(bot) if bot is not None else None

    async def async_find_installation(self, **kwargs: Any) -> Installation | None:
        """The installation with its tokens decrypted."""
        found = await super().async_find_installation(**kwargs)
        return self._opened(found) if found is not None else None

    def _sealed(self, record: Any) -> Any:
        # async_save hands an already sealed bot to async_save_bot; seal each token once.
        return _map_tokens(record, self._seal_once)

    def _seal_once(self, value: str) -> str:
        return value if value.startswith(SecretBox.PREFIX) else self._box.encrypt(value)

    def _opened(self, record: Any) -> Any:
        return _map_tokens(record, self._box.decrypt)


def _map_tokens(record: Any, fn: Callable[[str], str]) -> Any:
    # Bot and Installation are plain classes; copy them so callers' objects keep plaintext.
    clone = record.__class__.__new__(record.__class__)
    clone.__dict__.update(record.__dict__)
    for name in TOKEN_FIELDS:
        value = getattr(clone, name, None)
        if value:
            setattr(clone, name, fn(value))
    return clone
