"""Argument checks for the Slack stand-in, read from Slack's published Web API spec (Swagger 2.0)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

# The spec (slackapi/slack-api-specs, 2020) predates some methods and arguments that slack_sdk 3.x
# sends. Each allow-list entry below says what it is and why it is accepted.

# Methods missing from the spec: name -> (declared arguments, required arguments).
EXTRA_METHODS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # The files.upload v2 flow (2022), what slack_sdk's files_upload_v2 uses.
    "files.getUploadURLExternal": (
        frozenset({"filename", "length", "alt_txt", "snippet_type"}),
        frozenset({"filename", "length"}),
    ),
    "files.completeUploadExternal": (
        frozenset({"files", "channel_id", "channels", "initial_comment", "thread_ts", "blocks"}),
        frozenset({"files"}),
    ),
    # Socket Mode (2021): opens the WebSocket; takes the app-level (xapp-) token, no arguments.
    "apps.connections.open": (frozenset(), frozenset()),
}

# Arguments newer than the spec, per method.
EXTRA_ARGS: dict[str, frozenset[str]] = {
    # Message metadata (2022), `markdown_text` (2025), `container_id` (assistant threads, 2024).
    "chat.postMessage": frozenset({"metadata", "markdown_text", "container_id"}),
    "chat.postEphemeral": frozenset({"markdown_text"}),
    "chat.update": frozenset({"metadata", "markdown_text", "file_ids", "reply_broadcast"}),
    "chat.scheduleMessage": frozenset({"metadata", "markdown_text"}),
    # `interactivity_pointer` replaces `trigger_id` for workflow functions (2023).
    "views.open": frozenset({"interactivity_pointer"}),
    "views.push": frozenset({"interactivity_pointer"}),
    # Token rotation (2021).
    "oauth.v2.access": frozenset({"grant_type", "refresh_token"}),
    "team.info": frozenset({"domain", "include_slackbot_availability"}),
    "conversations.history": frozenset({"include_all_metadata"}),
    "conversations.replies": frozenset({"include_all_metadata"}),
    "conversations.invite": frozenset({"force"}),
}
# Accepted on every method: the token, and `team_id`, which slack_sdk's WebClient(team_id=...)
# adds to every call as a default parameter. Bolt builds its per-request client that way, so each
# call a Bolt listener makes carries the team_id of the incoming request.
GLOBAL_ARGS = frozenset({"token", "team_id"})

# Not a Web API argument, so not listed above: `response_action` (errors / update / push / clear)
# is a key of the HTTP body an app acks a view_submission with; see blockkit.check_view_ack.

# Arguments the spec marks required that have documented alternatives (one of each group is needed).
ONE_OF: dict[str, tuple[tuple[str, ...], ...]] = {
    "views.open": (("trigger_id", "interactivity_pointer"),),
    "views.push": (("trigger_id", "interactivity_pointer"),),
    "views.update": (("view_id", "external_id"),),
    "oauth.v2.access": (("code", "refresh_token"),),
}

# Arguments whose value must match one of the spec's ID definitions (`definitions.defs_*`).
# Channel names ("#general") are not accepted: the bot is expected to use IDs.
ID_ARGS: dict[str, tuple[str, ...]] = {
    "channel": ("defs_channel",),
    "channel_id": ("defs_channel",),
    "user": ("defs_user_id",),
    "user_id": ("defs_user_id",),
    "team": ("defs_team",),
    "ts": ("defs_ts",),
    "thread_ts": ("defs_ts",),
}
# Comma-separated lists of IDs.
ID_LIST_ARGS: dict[str, str] = {"users": "defs_user_id", "channels": "defs_channel"}
# chat.postMessage also takes a user ID: it posts in the app's DM with that user.
ID_ARGS_PER_METHOD: dict[tuple[str, str], tuple[str, ...]] = {
    ("chat.postMessage", "channel"): ("defs_channel", "defs_user_id"),
}

# Arguments whose value is JSON (a string in form bodies, a value in JSON bodies).
JSON_ARGS = frozenset({"blocks", "attachments", "view", "files", "metadata", "unfurls"})

_BOOL_VALUES = {"true", "false", "1", "0"}


@dataclass(frozen=True)
class MethodSpec:
    """Declared and required arguments of one Web API method."""

    name: str
    params: dict[str, str] = field(default_factory=dict)  # name -> swagger type
    required: frozenset[str] = frozenset()


class SlackSpec:
    """The Web API spec, indexed by method name."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.methods: dict[str, MethodSpec] = {}
        for path, operations in raw.get("paths", {}).items():
            name = path.lstrip("/")
            params: dict[str, str] = {}
            required: set[str] = set()
            for operation in operations.values():
                for param in operation.get("parameters", []):
                    params[param["name"]] = str(param.get("type", "string"))
                    if param.get("required"):
                        required.add(param["name"])
            self.methods[name] = MethodSpec(name, params, frozenset(required))
        for name, (args, needed) in EXTRA_METHODS.items():
            self.methods.setdefault(name, MethodSpec(name, dict.fromkeys(args, "string"), needed))
        self.patterns: dict[str, re.Pattern[str]] = {}
        for def_name, schema in raw.get("definitions", {}).items():
            if def_name.startswith("defs_") and isinstance(schema.get("pattern"), str):
                self.patterns[def_name] = re.compile(schema["pattern"])

    def knows(self, method: str) -> bool:
        """Whether the spec (or the allow-list) has this method."""
        return method in self.methods

    def check(self, method: str, args: dict[str, Any]) -> list[str]:
        """Problems with a call's arguments: unknown or missing arguments, malformed IDs, bad types."""
        spec = self.methods.get(method)
        if spec is None:
            return [f"{method}: no such method in the Slack Web API spec"]
        problems: list[str] = []
        declared = set(spec.params) | EXTRA_ARGS.get(method, frozenset()) | GLOBAL_ARGS
        for name in args:
            if name not in declared:
                problems.append(f"{method}: unknown argument {name!r}")
        alternatives = {name for group in ONE_OF.get(method, ()) for name in group}
        for name in sorted(spec.required - alternatives - GLOBAL_ARGS):
            if _blank(args.get(name)):
                problems.append(f"{method}: missing required argument {name!r}")
        for group in ONE_OF.get(method, ()):
            if all(_blank(args.get(name)) for name in group):
                problems.append(f"{method}: one of {', '.join(group)} is required")
        for name, value in args.items():
            if name not in declared or value is None:
                continue
            problems.extend(self._check_value(method, name, spec.params.get(name, "string"), value))
        return problems

    def _check_value(self, method: str, name: str, kind: str, value: Any) -> list[str]:
        if name in JSON_ARGS:
            return []
        if isinstance(value, dict | list):
            return [f"{method}: argument {name!r} must be a {kind}, got {type(value).__name__}"]
        if kind == "boolean" and not (
            isinstance(value, bool) or str(value).lower() in _BOOL_VALUES
        ):
            return [f"{method}: argument {name!r} must be a boolean, got {value!r}"]
        if kind in {"integer", "number"} and not _numeric(value, integer=kind == "integer"):
            return [f"{method}: argument {name!r} must be a {kind}, got {value!r}"]
        defs = ID_ARGS_PER_METHOD.get((method, name)) or ID_ARGS.get(name)
        if defs and not self._matches(str(value), defs):
            shapes = " or ".join(self._pattern_text(d) for d in defs)
            return [f"{method}: argument {name!r}={value!r} does not match {shapes}"]
        list_def = ID_LIST_ARGS.get(name)
        if list_def:
            bad = [v for v in str(value).split(",") if not self._matches(v.strip(), (list_def,))]
            if bad:
                shape = self._pattern_text(list_def)
                return [f"{method}: argument {name!r} has IDs not matching {shape}: {bad}"]
        return []

    def _matches(self, value: str, defs: tuple[str, ...]) -> bool:
        known = [self.patterns[d] for d in defs if d in self.patterns]
        return not known or any(p.search(value) for p in known)

    def _pattern_text(self, def_name: str) -> str:
        pattern = self.patterns.get(def_name)
        return pattern.pattern if pattern else def_name


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _numeric(value: Any, *, integer: bool) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return not integer
    try:
        int(str(value)) if integer else float(str(value))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4)
def load_spec(path: str) -> SlackSpec:
    """Load and index the Swagger file at `path` (cached per path)."""
    with Path(path).open(encoding="utf-8") as handle:
        return SlackSpec(json.load(handle))
