"""Setting the Slack stand-in up: workspaces, channels, users, triggers, responders and faults."""

from __future__ import annotations

import re
import time

from sandbox.slack.core import HASH_ALPHABET, StandInCore
from sandbox.slack.records import (
    DEFAULT_APP_ID,
    DEFAULT_BOT_NAME,
    DEFAULT_BOT_SCOPES,
    Channel,
    Fault,
    Responder,
    ResponseTarget,
    TriggerInfo,
    User,
    Workspace,
)


class Seeding(StandInCore):
    """What tests and the console seed into the stand-in, and the faults they inject."""

    def add_workspace(
        self,
        team_id: str,
        bot_token: str,
        bot_user_id: str,
        team_name: str,
        *,
        bot_id: str | None = None,
        domain: str | None = None,
        app_id: str = DEFAULT_APP_ID,
        bot_name: str = DEFAULT_BOT_NAME,
        scopes: tuple[str, ...] = DEFAULT_BOT_SCOPES,
        enterprise_id: str | None = None,
    ) -> Workspace:
        """Install the bot in a workspace; calls with `bot_token` act in it."""
        workspace = Workspace(
            team_id=team_id,
            name=team_name,
            bot_token=bot_token,
            bot_user_id=bot_user_id,
            bot_id=bot_id or self.new_id("B"),
            domain=domain or re.sub(r"[^a-z0-9]+", "-", team_name.lower()).strip("-"),
            app_id=app_id,
            bot_name=bot_name,
            scopes=tuple(scopes),
            enterprise_id=enterprise_id,
        )
        self.workspaces[team_id] = workspace
        self.users[(team_id, bot_user_id)] = User(
            id=bot_user_id,
            team_id=team_id,
            name=bot_name,
            real_name=bot_name,
            email=None,
            is_bot=True,
        )
        return workspace

    def add_channel(
        self,
        team_id: str,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
    ) -> Channel:
        """Add (or replace) a channel in a workspace."""
        channel = Channel(
            id=channel_id,
            team_id=team_id,
            name=name.lstrip("#"),
            is_private=is_private,
            is_member=is_member,
            is_archived=is_archived,
        )
        self.channels[(team_id, channel_id)] = channel
        return channel

    def add_members(self, team_id: str, channel_id: str, user_ids: list[str]) -> None:
        """Put people in a channel (conversations.members lists them)."""
        channel = self.channels[(team_id, channel_id)]
        channel.members += [u for u in user_ids if u not in channel.members]

    def add_user(
        self,
        team_id: str,
        user_id: str,
        name: str,
        email: str | None = None,
        tz: str = "Europe/Oslo",
        *,
        real_name: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
    ) -> User:
        """Add (or replace) a user in a workspace's directory."""
        user = User(
            id=user_id,
            team_id=team_id,
            name=name,
            real_name=real_name or name,
            email=email if email is not None else f"{name}@example.com",
            tz=tz,
            is_bot=is_bot,
            deleted=deleted,
            is_admin=is_admin,
        )
        self.users[(team_id, user_id)] = user
        return user

    def register_trigger(
        self, trigger_id: str, team_id: str, user_id: str, *, view_id: str | None = None
    ) -> None:
        """Tell the stand-in who a trigger_id belongs to (the request sender does this)."""
        self._triggers[trigger_id] = TriggerInfo(team_id, user_id, view_id, time.monotonic())

    def new_response_url(
        self,
        team_id: str,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        user_id: str | None = None,
    ) -> str:
        """A response_url served by this stand-in, tied to a channel / message when given."""
        if self.base_url is None:
            raise RuntimeError("the stand-in is not served yet: use run_standin_server()")
        self._response_counter += 1
        secret = "".join(self._rng.choice(HASH_ALPHABET) for _ in range(24))
        url_id = f"{team_id}/{7_000_000_000 + self._response_counter}/{secret}"
        self._response_targets[url_id] = ResponseTarget(team_id, channel_id, message_ts, user_id)
        return f"{self.root_url}response_url/{url_id}"

    def on(self, method: str, responder: Responder) -> None:
        """Answer `method` with responder(call) (a dict merged into {"ok": true}); raise SlackError for errors."""
        self._responders[method] = responder

    def inject(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 2,
        times: int | None = 1,
        delay: float | None = None,
        answer_delay: float | None = None,
        answer_lost: bool = False,
    ) -> Fault:
        """Make the next `times` calls to `method` fail (429 by default), error, or answer slowly.

        `delay` holds a call before it is handled; `answer_delay` handles it at once (a message is
        posted) and holds only the answer, as when Slack is slow to reply to a call it carried out;
        `answer_lost` handles it and then breaks the connection in the middle of the answer.
        """
        if status is None and error is None and delay is None and answer_delay is None:
            status = None if answer_lost else 429
        fault = Fault(method, status, error, retry_after, delay, times, answer_delay, answer_lost)
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Drop every injected fault."""
        self._faults.clear()
