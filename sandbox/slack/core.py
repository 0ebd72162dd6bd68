"""What every part of the Slack stand-in shares: its state, ids, and where a message lands."""

from __future__ import annotations

import random
import re
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.slack.records import (
    Channel,
    Fault,
    OAuthCode,
    RecordedCall,
    Responder,
    ResponseTarget,
    SlackError,
    TriggerInfo,
    UploadedFile,
    User,
    Workspace,
)
from sandbox.slack.shapes import bot_message
from sandbox.slack.spec import SlackSpec, load_spec

RESPONSE_URL = "response_url"
"""Pseudo-method name under which POSTs to response URLs are recorded."""
UPLOAD_URL = "upload_url"
"""Pseudo-method name under which file bytes POSTed to upload URLs are recorded."""

_ID_ALPHABET = string.ascii_uppercase + string.digits
HASH_ALPHABET = string.ascii_letters + string.digits


@dataclass
class CallContext:
    """One Web API call being answered: the recorded call, its arguments and its workspace."""

    call: RecordedCall
    args: dict[str, Any]
    ws: Workspace | None
    root: str
    client_id: str | None = None
    client_secret: str | None = None

    @property
    def workspace(self) -> Workspace:
        """The workspace the call's token acts in (set for every method that needs a token)."""
        assert self.ws is not None
        return self.ws


MethodHandler = Callable[[CallContext], dict[str, Any]]


class StandInCore:
    """The stand-in's state and the helpers its per-concern parts share."""

    _builtin: dict[str, MethodHandler]
    """Web API methods the stand-in simulates itself, by name (filled in by SlackStandIn)."""

    def __init__(
        self,
        spec_path: str | Path | None = None,
        *,
        validate: bool = True,
        seed: int = 0,
        trigger_ttl: float | None = 3.0,
    ) -> None:
        self.spec: SlackSpec | None = load_spec(str(spec_path)) if spec_path else None
        # True: Web API spec checks (when a spec is loaded) and Block Kit checks. False: none.
        self.validate = validate
        self.trigger_ttl = trigger_ttl
        self.base_url: str | None = None
        self.calls: list[RecordedCall] = []
        # Counts handled calls; each listener is told after every one (the console redraws).
        self.changes = 0
        self.listeners: list[Callable[[], None]] = []
        self.violations: list[str] = []
        self.workspaces: dict[str, Workspace] = {}
        self.channels: dict[tuple[str, str], Channel] = {}
        self.users: dict[tuple[str, str], User] = {}
        self.files: dict[str, UploadedFile] = {}
        self.oauth_codes: dict[str, OAuthCode] = {}
        self._seed = seed
        self._init_runtime()
        self._faults: list[Fault] = []
        self._responders: dict[str, Responder] = {}

    def _init_runtime(self) -> None:
        self._rng = random.Random(self._seed)
        self._issued_ids: set[str] = set()
        self._ts_micros = time.time_ns() // 1_000
        self._messages: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._view_users: dict[str, str | None] = {}
        self._home: dict[tuple[str, str], str] = {}
        self._triggers: dict[str, TriggerInfo] = {}
        self._response_targets: dict[str, ResponseTarget] = {}
        self._response_counter = 0

    @property
    def root_url(self) -> str:
        """The served root (base_url without the trailing "api/")."""
        if self.base_url is None:
            raise RuntimeError("the stand-in is not served yet: use run_standin_server()")
        return self.base_url.removesuffix("api/")

    def workspace_for_token(self, token: str) -> Workspace | None:
        """The workspace a bot token belongs to."""
        return next((w for w in self.workspaces.values() if w.bot_token == token), None)

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking ID such as C0ABCD1234 (prefix + '0' + 9 characters)."""
        while True:
            candidate = prefix + "0" + "".join(self._rng.choice(_ID_ALPHABET) for _ in range(9))
            if candidate not in self._issued_ids:
                self._issued_ids.add(candidate)
                return candidate

    def next_ts(self) -> str:
        """The next message timestamp: the wall clock as Slack writes it ("1764500000.000100"),
        strictly increasing, so that `oldest`/`latest` bounds in seconds work as on Slack."""
        self._ts_micros = max(self._ts_micros + 100, time.time_ns() // 1_000)
        return f"{self._ts_micros // 1_000_000}.{self._ts_micros % 1_000_000:06d}"

    def _new_hash(self) -> str:
        suffix = "".join(self._rng.choice(HASH_ALPHABET) for _ in range(8))
        return f"{self._ts_micros // 1_000_000}.{suffix}"

    def _new_message(self, workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        return bot_message(workspace, args, self.next_ts())

    def _resolve_postable(self, ws: Workspace, channel_id: str) -> Channel:
        """The channel a message to `channel_id` lands in, or SlackError as Slack answers."""
        if re.fullmatch(r"[UW][A-Z0-9]+", channel_id):
            user = self.users.get((ws.team_id, channel_id))
            if user is None or user.deleted:
                raise SlackError("channel_not_found")
            if user.is_bot:
                raise SlackError("cannot_dm_bot")
            return self._dm_for(ws, user.id)
        channel = self.channels.get((ws.team_id, channel_id))
        if channel is None:
            raise SlackError("channel_not_found")
        if channel.is_im:
            return channel
        if channel.is_archived:
            raise SlackError("is_archived")
        public_ok = not channel.is_private and "chat:write.public" in ws.scopes
        if not channel.is_member and not public_ok:
            raise SlackError("not_in_channel")
        return channel

    def changed(self) -> None:
        """A call was handled: what it changed is in place now."""
        self.changes += 1
        for listener in list(self.listeners):
            listener()

    def dm_channel(self, team_id: str, user_id: str) -> Channel:
        """The app's DM with a user of a workspace, opened on first use (Slack's app tab)."""
        return self._dm_for(self.workspaces[team_id], user_id)

    def _dm_for(self, ws: Workspace, user_id: str) -> Channel:
        existing = next(
            (
                c
                for c in self.channels.values()
                if c.team_id == ws.team_id and c.is_im and c.user == user_id
            ),
            None,
        )
        if existing is not None:
            return existing
        channel = Channel(
            id=self.new_id("D"), team_id=ws.team_id, name=user_id, is_im=True, user=user_id
        )
        self.channels[(ws.team_id, channel.id)] = channel
        return channel
