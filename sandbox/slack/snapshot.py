"""Saving and restoring what the Slack stand-in holds, so a restarted sandbox shows the same workspace.

A snapshot is plain JSON: channels (DMs and members included), messages as stored (ts, edits,
threads, files), views with their hashes and whose they are, the Home tab each person last saw,
uploaded files with their content, the users, and the recorded calls. Calls the console derives
ephemeral replies from (response_url posts, chat.postEphemeral) keep their arguments; every
other call keeps only its method, time and outcome, so that call numbers stay the same.

Nothing secret is kept: no token of any call, no OAuth code, no trigger id, and a response_url's
secret part is replaced by a digest (a restored response_url no longer answers, as an expired one).
"""

from __future__ import annotations

import base64
import hashlib
import random
import secrets
from dataclasses import asdict, fields
from typing import Any

from sandbox.slack.core import RESPONSE_URL, StandInCore
from sandbox.slack.records import Channel, RecordedCall, UploadedFile, User

SNAPSHOT_VERSION = 1
# Calls whose arguments are kept: the console shows them as messages only one person sees.
KEPT_CALLS = frozenset({RESPONSE_URL, "chat.postEphemeral"})
# Arguments never kept, whatever the call.
_SECRET_ARGS = frozenset({"token", "client_secret", "code", "trigger_id"})
_RESPONSE_URL_PATH = "/response_url/"


def masked_url_id(url_id: str) -> str:
    """A response_url's id with its secret (last) part replaced by a digest of it."""
    head, _, secret = url_id.rpartition("/")
    if secret.startswith("sha256-"):
        return url_id
    digest = hashlib.sha256(secret.encode()).hexdigest()[:24]
    return f"{head}/sha256-{digest}" if head else f"sha256-{digest}"


def _masked_path(path: str) -> str:
    if _RESPONSE_URL_PATH not in path:
        return path
    prefix, url_id = path.rsplit(_RESPONSE_URL_PATH, 1)
    return prefix + _RESPONSE_URL_PATH + masked_url_id(url_id)


def _call_json(call: RecordedCall) -> dict[str, Any]:
    kept: dict[str, Any] = {
        "method": call.method,
        "time": call.time,
        "team_id": call.team_id,
        "status": call.status,
    }
    if call.method not in KEPT_CALLS:
        # What the call did is in the state itself; its outcome is enough here.
        if not call.ok:
            kept["response"] = {"ok": False, "error": call.error}
        return kept
    kept.update(
        args={k: v for k, v in call.args.items() if k not in _SECRET_ARGS},
        http_method=call.http_method,
        path=_masked_path(call.path),
        response=call.response,
        fault=call.fault,
        violations=list(call.violations),
    )
    return kept


def _call_from(data: dict[str, Any]) -> RecordedCall:
    return RecordedCall(
        method=str(data["method"]),
        args=dict(data.get("args") or {}),
        token=None,
        time=float(data["time"]),
        team_id=data.get("team_id"),
        http_method=str(data.get("http_method") or "POST"),
        path=str(data.get("path") or ""),
        status=int(data.get("status") or 200),
        response=data.get("response"),
        fault=data.get("fault"),
        violations=list(data.get("violations") or []),
    )


def _file_json(upload: UploadedFile) -> dict[str, Any]:
    data = asdict(upload)
    data["content"] = base64.b64encode(upload.content).decode("ascii")
    return data


def _file_from(data: dict[str, Any]) -> UploadedFile:
    known = {f.name for f in fields(UploadedFile)}
    values = {k: v for k, v in data.items() if k in known}
    values["content"] = base64.b64decode(str(data.get("content") or ""))
    values["channels"] = list(values.get("channels") or [])
    return UploadedFile(**values)


def _record_from(kind: type[Channel] | type[User], data: dict[str, Any]) -> Any:
    known = {f.name for f in fields(kind)}
    return kind(**{k: v for k, v in data.items() if k in known})


class Snapshots(StandInCore):
    """snapshot() and restore(): the stand-in's workspace state as JSON and back."""

    def snapshot(self) -> dict[str, Any]:
        """What the stand-in holds, as JSON-ready data (see the module's docstring)."""
        return {
            "version": SNAPSHOT_VERSION,
            "ts_micros": self._ts_micros,
            "response_counter": self._response_counter,
            "issued_ids": sorted(self._issued_ids),
            "bot_ids": {team: ws.bot_id for team, ws in self.workspaces.items()},
            "users": [asdict(user) for user in self.users.values()],
            "channels": [asdict(channel) for channel in self.channels.values()],
            "messages": [
                [team, channel, [dict(m) for m in items]]
                for (team, channel), items in self._messages.items()
            ],
            "views": list(self._views.values()),
            "view_users": dict(self._view_users),
            "home": [[team, user, view_id] for (team, user), view_id in self._home.items()],
            "files": [_file_json(upload) for upload in self.files.values()],
            "calls": [_call_json(call) for call in self.calls],
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Put a snapshot back on top of the seeded workspaces; unknown versions are ignored."""
        if data.get("version") != SNAPSHOT_VERSION:
            return
        for team, bot_id in dict(data.get("bot_ids") or {}).items():
            if team in self.workspaces:
                self.workspaces[team].bot_id = str(bot_id)
        for item in data.get("users") or []:
            # People as seeded now; ones seeded before and no longer are kept as they were.
            user = _record_from(User, item)
            self.users.setdefault((user.team_id, user.id), user)
        for item in data.get("channels") or []:
            channel = _record_from(Channel, item)
            channel.members = list(channel.members)
            self.channels[(channel.team_id, channel.id)] = channel
        self._messages = {
            (str(team), str(channel)): [dict(m) for m in items]
            for team, channel, items in data.get("messages") or []
        }
        self._views = {str(v["id"]): dict(v) for v in data.get("views") or []}
        self._view_users = dict(data.get("view_users") or {})
        self._home = {(str(team), str(user)): str(v) for team, user, v in data.get("home") or []}
        self.files.clear()
        for item in data.get("files") or []:
            upload = _file_from(item)
            self.files[upload.id] = upload
        self.calls[:] = [_call_from(item) for item in data.get("calls") or []]
        self._issued_ids |= {str(i) for i in data.get("issued_ids") or []}
        self._ts_micros = max(self._ts_micros, int(data.get("ts_micros") or 0))
        self._response_counter = max(self._response_counter, int(data.get("response_counter") or 0))
        # The seeded sequence was used before the restart: new ids and hashes come from elsewhere.
        self._rng = random.Random(secrets.randbits(64))
