"""What the Slack stand-in keeps: recorded calls, faults, workspaces, channels, users, files."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_APP_ID = "A0VILTBOT01"
DEFAULT_BOT_NAME = "viltbot"
DEFAULT_BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:join",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:write",
    "mpim:history",
    "team:read",
    "users:read",
    "users:read.email",
)


@dataclass
class RecordedCall:
    """One request the stand-in received, with what it answered."""

    method: str
    args: dict[str, Any]
    token: str | None
    time: float
    team_id: str | None = None
    http_method: str = "POST"
    path: str = ""
    status: int = 200
    response: Any = None
    fault: str | None = None
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the answer was a success (HTTP 200 and, for JSON answers, ok=true)."""
        if self.status != 200:
            return False
        return not isinstance(self.response, dict) or bool(self.response.get("ok", True))

    @property
    def error(self) -> str | None:
        """The Slack error code answered, if any."""
        if isinstance(self.response, dict) and not self.response.get("ok", True):
            return str(self.response.get("error"))
        return None

    def summary(self) -> str:
        """A one-line description for assertion messages."""
        outcome = "ok" if self.ok else f"{self.status} {self.error or self.response!r}"
        flags = f" [fault {self.fault}]" if self.fault else ""
        args = json.dumps(self.args, default=repr)
        if len(args) > 160:
            args = args[:157] + "..."
        return f"{self.method} team={self.team_id} -> {outcome}{flags} args={args}"


@dataclass
class Fault:
    """An injected fault for a method; `remaining` counts down (None = forever).

    `delay` holds the call before Slack looks at it; `answer_delay` lets Slack do the work and
    answer late (a client that gave up meanwhile cannot tell whether the call took effect);
    `answer_lost` lets Slack do the work and then drops the connection halfway through the answer.
    """

    method: str
    status: int | None = None
    error: str | None = None
    retry_after: int = 2
    delay: float | None = None
    remaining: int | None = 1
    answer_delay: float | None = None
    answer_lost: bool = False

    def describe(self) -> str:
        """Short text stored in RecordedCall.fault."""
        parts = []
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.error is not None:
            parts.append(f"error={self.error}")
        if self.delay is not None:
            parts.append(f"delay={self.delay:g}")
        if self.answer_delay is not None:
            parts.append(f"answer_delay={self.answer_delay:g}")
        if self.answer_lost:
            parts.append("answer_lost")
        return ",".join(parts)


@dataclass
class Workspace:
    """A workspace where the bot is installed."""

    team_id: str
    name: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    domain: str
    app_id: str = DEFAULT_APP_ID
    bot_name: str = DEFAULT_BOT_NAME
    scopes: tuple[str, ...] = DEFAULT_BOT_SCOPES
    enterprise_id: str | None = None


@dataclass
class Channel:
    """A conversation in a workspace, as the bot sees it."""

    id: str
    team_id: str
    name: str
    is_private: bool = False
    is_member: bool = True
    is_archived: bool = False
    is_im: bool = False
    user: str | None = None
    created: int = 1_700_000_000
    # Who is in it (conversations.members), in the order they joined.
    members: list[str] = field(default_factory=list)


@dataclass
class User:
    """A member of a workspace's user directory."""

    id: str
    team_id: str
    name: str
    real_name: str
    email: str | None
    tz: str = "Europe/Oslo"
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False


@dataclass
class UploadedFile:
    """A file uploaded with files.upload or the getUploadURLExternal / completeUploadExternal flow."""

    id: str
    team_id: str
    filename: str
    title: str
    content: bytes = b""
    length: int | None = None
    uploaded: bool = False
    completed: bool = False
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None

    @property
    def text(self) -> str:
        """The content decoded as UTF-8."""
        return self.content.decode("utf-8", errors="replace")


@dataclass
class OAuthCode:
    """An OAuth code oauth.v2.access will exchange once for a workspace's installation."""

    code: str
    team_id: str
    client_id: str | None
    client_secret: str | None
    redirect_uri: str | None
    installer_user_id: str
    user_scopes: tuple[str, ...]
    used: bool = False


@dataclass
class TriggerInfo:
    """Who a trigger_id belongs to, and whether it was used."""

    team_id: str
    user_id: str
    view_id: str | None
    created: float
    used: bool = False


@dataclass
class ResponseTarget:
    """The channel / message a response_url acts on."""

    team_id: str
    channel_id: str | None
    message_ts: str | None
    user_id: str | None


class SlackError(Exception):
    """Raise from a responder to answer {"ok": false, "error": error, **extra}."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


Responder = Callable[[RecordedCall], dict[str, Any] | Awaitable[dict[str, Any]]]
