"""SlackDirectory adapter: what Slack says about channels and users.

Slack errors that no retry fixes (rate limit after retries, a dead token, a missing scope) arrive
as `SlackRefusal` from the client and go to the caller unchanged: their message says what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.slack.clients import SlackClients
from bot.slack.failures import SlackRefusal
from domain import mrkdwn
from domain.errors import ChannelUnusable
from domain.ports import SlackUser

# Up to this many people are looked up one by one (users.info); more read users.list pages.
ONE_BY_ONE = 20
USERS_PAGE = 200
MEMBERS_PAGE = 500
# Stops a directory that keeps announcing more pages.
MAX_PAGES = 200


class WebApiDirectory:
    """Answers channel and user questions with conversations.info and users.info."""

    def __init__(self, clients: SlackClients) -> None:
        self._clients = clients

    async def check_postable(self, workspace_id: str, channel_id: str) -> str:
        """Return the channel's name, or raise ChannelUnusable saying why."""
        client = await self._clients.for_workspace(workspace_id)
        try:
            answer = await client.conversations_info(channel=channel_id)
        except SlackRefusal:
            raise
        except SlackApiError as exc:
            if exc.response.get("error") == "channel_not_found":
                raise _unseen(channel_id) from exc
            raise
        channel = answer.get("channel") or {}
        name = str(channel.get("name") or channel_id)
        if channel.get("is_archived"):
            raise ChannelUnusable(f"#{name} is archived; pick a channel people still read.")
        if channel.get("is_im") or channel.get("is_mpim"):
            raise ChannelUnusable("Pick a channel, not a direct message, for team reports.")
        if not channel.get("is_member"):
            if channel.get("is_private"):
                raise ChannelUnusable(
                    f"I am not in #{name}. Invite me with `/invite @viltbot`, then try again."
                )
            # Public channels can be joined; joining lets the bot post without chat:write.public.
            try:
                await client.conversations_join(channel=channel_id)
            except SlackRefusal:
                raise
            except SlackApiError as exc:
                raise ChannelUnusable(
                    f"I can't join #{name} ({exc.response.get('error', 'unknown error')}). "
                    "Invite me with `/invite @viltbot`, then try again."
                ) from exc
        return name

    async def user(self, workspace_id: str, user_id: str) -> SlackUser | None:
        """The user, or None when the workspace has no such user."""
        client = await self._clients.for_workspace(workspace_id)
        try:
            answer = await client.users_info(user=user_id)
        except SlackRefusal:
            raise
        except SlackApiError as exc:
            if exc.response.get("error") in {"user_not_found", "user_not_visible"}:
                return None
            raise
        return _slack_user(answer.get("user") or {}, user_id)

    async def users_by_id(self, workspace_id: str, user_ids: Sequence[str]) -> dict[str, SlackUser]:
        """Those of the users Slack knows, by id.

        A few are asked one by one (users.info); for more, the directory is read in pages of
        users.list, which Slack allows far fewer calls of but which answers hundreds at once.
        """
        wanted = list(dict.fromkeys(user_ids))
        if len(wanted) <= ONE_BY_ONE:
            found = [await self.user(workspace_id, user_id) for user_id in wanted]
            return {u.id: u for u in found if u is not None}
        client = await self._clients.for_workspace(workspace_id)
        left = set(wanted)
        known: dict[str, SlackUser] = {}
        cursor = ""
        for _ in range(MAX_PAGES):
            answer = await client.users_list(limit=USERS_PAGE, cursor=cursor or None)
            for member in answer.get("members") or []:
                if member.get("id") in left:
                    known[str(member["id"])] = _slack_user(member, str(member["id"]))
            cursor = str((answer.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor or len(known) == len(left):
                break
        return known

    async def channel_members(self, workspace_id: str, channel_id: str) -> list[str]:
        """Everyone in a channel (conversations.members, every page)."""
        client = await self._clients.for_workspace(workspace_id)
        members: list[str] = []
        cursor = ""
        for _ in range(MAX_PAGES):
            try:
                answer = await client.conversations_members(
                    channel=channel_id, limit=MEMBERS_PAGE, cursor=cursor or None
                )
            except SlackRefusal:
                raise
            except SlackApiError as exc:
                if exc.response.get("error") == "channel_not_found":
                    raise _unseen(channel_id) from exc
                raise
            members += [str(m) for m in answer.get("members") or []]
            cursor = str((answer.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        return list(dict.fromkeys(members))


def _slack_user(user: dict[str, Any], user_id: str) -> SlackUser:
    profile = user.get("profile") or {}
    return SlackUser(
        id=str(user.get("id", user_id)),
        name=str(user.get("name", "")),
        real_name=str(user.get("real_name") or profile.get("real_name") or ""),
        is_bot=bool(user.get("is_bot")),
        deleted=bool(user.get("deleted")),
        email=str(profile["email"]) if profile.get("email") else None,
        first_name=str(profile.get("first_name") or ""),
        last_name=str(profile.get("last_name") or ""),
        tz=str(user["tz"]) if user.get("tz") else None,
    )


def _unseen(channel_id: str) -> ChannelUnusable:
    """A channel Slack says the bot cannot see: private, or gone."""
    return ChannelUnusable(
        f"I can't see {mrkdwn.channel(channel_id)}. "
        "If it is private, invite me with `/invite @viltbot` first."
    )
