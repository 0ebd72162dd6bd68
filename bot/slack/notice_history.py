"""Find a notice the bot already posted, by the message metadata it was posted with.

Every notice goes out with `metadata = {"event_type": "viltbot_notice", "event_payload":
{"notice_id": N}}`. When a post's outcome is unknown (the answer timed out, the connection dropped
after the request left, or the worker died while it was in flight), the channel's history since
shortly before the first attempt is searched for that metadata before the notice is posted again.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

NOTICE_EVENT_TYPE = "viltbot_notice"
HISTORY_MARGIN = timedelta(minutes=2)
"""Searched before the first attempt, for clock skew between this host and Slack."""
HISTORY_PAGE_SIZE = 200
HISTORY_MAX_PAGES = 5
"""At most this many pages (1,000 messages) are read; past that the search gives up."""

_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")


class HistoryTooLong(Exception):
    """More messages arrived since the first attempt than the search reads."""


def notice_metadata(notice_id: int) -> dict[str, Any]:
    """The message metadata a notice is posted with."""
    return {"event_type": NOTICE_EVENT_TYPE, "event_payload": {"notice_id": notice_id}}


def is_notice(message: dict[str, Any], notice_id: int, bot_user_id: str) -> bool:
    """Whether a history message is this bot's post of that notice."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return (
        message.get("user") == bot_user_id
        and metadata.get("event_type") == NOTICE_EVENT_TYPE
        and str(payload.get("notice_id")) == str(notice_id)
    )


async def find_posted_notice(
    client: AsyncWebClient, channel: str, notice_id: int, since: datetime
) -> str | None:
    """The ts of this bot's message carrying the notice's metadata, posted after `since`, if any.

    Raises HistoryTooLong when the window holds more messages than are read, and lets Slack's
    errors (missing scope, not in channel, rate limit) through to the caller.
    """
    bot_user_id = str((await client.auth_test()).get("user_id") or "")
    conversation = await _conversation_id(client, channel)
    oldest = _slack_ts(since - HISTORY_MARGIN)
    cursor: str | None = None
    for _ in range(HISTORY_MAX_PAGES):
        page = await client.conversations_history(
            channel=conversation,
            oldest=oldest,
            limit=HISTORY_PAGE_SIZE,
            include_all_metadata=True,
            cursor=cursor,
        )
        for message in page.get("messages") or []:
            if is_notice(message, notice_id, bot_user_id):
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or cursor is None:
            return None
    raise HistoryTooLong(
        f"more than {HISTORY_PAGE_SIZE * HISTORY_MAX_PAGES} messages since the first attempt"
    )


async def _conversation_id(client: AsyncWebClient, channel: str) -> str:
    """The conversation a post to `channel` lands in: a user id means the bot's DM with them."""
    if not _USER_ID.match(channel):
        return channel
    opened = await client.conversations_open(users=channel)
    return str((opened.get("channel") or {}).get("id") or channel)


def _slack_ts(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return f"{aware.timestamp():.6f}"
