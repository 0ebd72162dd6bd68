"""Hand-written fakes of the ports, recording what happened."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.errors import ChannelUnusable
from domain.ports import SlackUser


@dataclass
class FakeDirectory:
    """A workspace's channels and users, held in memory."""

    channels: dict[str, str] = field(default_factory=dict)
    users: dict[str, SlackUser] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)

    def add_user(self, user_id: str, name: str, *, is_bot: bool = False) -> None:
        self.users[user_id] = SlackUser(user_id, name, name.title(), is_bot, False)

    async def check_postable(self, workspace_id: str, channel_id: str) -> str:
        self.checked.append(channel_id)
        if channel_id not in self.channels:
            raise ChannelUnusable(f"I can't see <#{channel_id}>.")
        return self.channels[channel_id]

    async def user(self, workspace_id: str, user_id: str) -> SlackUser | None:
        return self.users.get(user_id)

    async def users_by_id(self, workspace_id: str, user_ids: Sequence[str]) -> dict[str, SlackUser]:
        return {u: self.users[u] for u in user_ids if u in self.users}

    async def channel_members(self, workspace_id: str, channel_id: str) -> list[str]:
        self.checked.append(channel_id)
        if channel_id not in self.channels:
            raise ChannelUnusable(f"I can't see <#{channel_id}>.")
        return list(self.members.get(channel_id, []))
