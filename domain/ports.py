"""What the services need from the outside world, as Protocols."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class UnitOfWork(Protocol):
    """One transaction: rolled back unless `commit()` is called."""

    session: AsyncSession

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class Clock(Protocol):
    """The current time, so rules and tests can move it."""

    def __call__(self) -> datetime: ...


@dataclass(frozen=True)
class SlackUser:
    """What Slack tells about a user."""

    id: str
    name: str
    real_name: str
    is_bot: bool
    deleted: bool


class SlackDirectory(Protocol):
    """Questions about a workspace's channels and users."""

    async def check_postable(self, workspace_id: str, channel_id: str) -> str:
        """Return the channel's name, or raise ChannelUnusable saying why."""
        ...

    async def user(self, workspace_id: str, user_id: str) -> SlackUser | None:
        """The user, or None when the workspace has no such user."""
        ...
