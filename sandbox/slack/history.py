"""Slack stand-in method for reading a conversation: conversations.history with message metadata."""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.slack.core import CallContext, StandInCore
from sandbox.slack.records import Channel, SlackError

HISTORY_LIMIT_DEFAULT = 100
HISTORY_LIMIT_MAX = 999
_CURSOR_PREFIX = "next_ts:"


class HistoryMethods(StandInCore):
    """conversations.history: newest first, `oldest`/`latest`/`inclusive`, `limit`, cursors, metadata."""

    def _conversations_history(self, ctx: CallContext) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        channel = self.channels.get((ws.team_id, str(args.get("channel", ""))))
        if channel is None or (channel.is_private and not channel.is_im and not channel.is_member):
            raise SlackError("channel_not_found")
        needed = history_scope(channel)
        if needed not in ws.scopes:
            raise SlackError("missing_scope", needed=needed, provided=",".join(ws.scopes))
        if not channel.is_im and not channel.is_member:
            raise SlackError("not_in_channel")
        inclusive = _truthy(args.get("inclusive"))
        oldest = _bound(args.get("oldest"), "invalid_ts_oldest") or Decimal(0)
        latest = _bound(args.get("latest"), "invalid_ts_latest")
        before = _cursor_ts(args.get("cursor"))
        limit = _limit(args.get("limit"))
        with_metadata = _truthy(args.get("include_all_metadata"))

        def wanted(message: dict[str, Any]) -> bool:
            ts = Decimal(message["ts"])
            if message.get("thread_ts") not in (None, message["ts"]):
                return False  # a thread reply: conversations.replies shows it, not history
            above = ts >= oldest if inclusive else ts > oldest
            below = latest is None or (ts <= latest if inclusive else ts < latest)
            return above and below and (before is None or ts < before)

        items = self._messages.get((ws.team_id, channel.id), [])
        matching = sorted(
            (m for m in items if wanted(m)), key=lambda m: Decimal(m["ts"]), reverse=True
        )
        page = matching[:limit]
        has_more = len(matching) > limit
        body: dict[str, Any] = {
            "messages": [_as_listed(m, with_metadata=with_metadata) for m in page],
            "has_more": has_more,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
        }
        if has_more:
            cursor = base64.b64encode(f"{_CURSOR_PREFIX}{page[-1]['ts']}".encode()).decode()
            body["response_metadata"] = {"next_cursor": cursor}
        return body


def history_scope(channel: Channel) -> str:
    """The bot scope conversations.history needs for this kind of conversation."""
    if channel.is_im:
        return "im:history"
    return "groups:history" if channel.is_private else "channels:history"


def _as_listed(message: dict[str, Any], *, with_metadata: bool) -> dict[str, Any]:
    listed = {k: v for k, v in message.items() if k != "metadata"}
    if with_metadata and "metadata" in message:
        listed["metadata"] = message["metadata"]
    return listed


def _bound(value: Any, error: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise SlackError(error) from exc


def _cursor_ts(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        decoded = base64.b64decode(str(value), validate=True).decode()
        if not decoded.startswith(_CURSOR_PREFIX):
            raise ValueError(decoded)
        return Decimal(decoded.removeprefix(_CURSOR_PREFIX))
    except (ValueError, binascii.Error, InvalidOperation) as exc:
        raise SlackError("invalid_cursor") from exc


def _limit(value: Any) -> int:
    if value in (None, ""):
        return HISTORY_LIMIT_DEFAULT
    try:
        wanted = int(str(value))
    except ValueError as exc:
        raise SlackError("invalid_limit") from exc
    return max(1, min(wanted, HISTORY_LIMIT_MAX))


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"1", "true"}
