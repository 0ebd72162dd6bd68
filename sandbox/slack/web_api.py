"""A local stand-in for the Slack Web API (Starlette), reached by the bot through SLACK_API_URL.

It keeps workspaces, channels, users, messages, views and files in memory, answers like Slack,
records every call, can inject faults, and checks each call against Slack's published Web API spec
and Block Kit rules (slack_sdk.models). Response URLs and file upload URLs it hands out are
served by the same app, so Bolt's `respond()` and slack_sdk's `files_upload_v2` land here too.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import inspect
import json
import random
import re
import string
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sandbox.serving import serve_in_loop
from sandbox.slack.blockkit import (
    MESSAGE_TEXT_MAX,
    check_blocks,
    check_message_body,
    check_view,
)
from sandbox.slack.records import (
    DEFAULT_APP_ID,
    DEFAULT_BOT_NAME,
    DEFAULT_BOT_SCOPES,
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
    bot_message,
    channel_json,
    file_json,
    message_content,
    user_json,
    view_json,
)
from sandbox.slack.spec import JSON_ARGS, SlackSpec, load_spec

__all__ = [
    "DEFAULT_APP_ID",
    "RESPONSE_URL",
    "UPLOAD_URL",
    "Channel",
    "Fault",
    "OAuthCode",
    "RecordedCall",
    "Responder",
    "SlackError",
    "SlackStandIn",
    "UploadedFile",
    "User",
    "Workspace",
    "main",
    "run_standin_server",
    "seed_demo",
    "serve",
]

RESPONSE_URL = "response_url"
"""Pseudo-method name under which POSTs to response URLs are recorded."""
UPLOAD_URL = "upload_url"
"""Pseudo-method name under which file bytes POSTed to upload URLs are recorded."""

# Methods Slack answers without a token (client credentials or nothing).
# Methods that belong to no workspace: OAuth exchanges, api.test, and apps.connections.open, whose
# app-level (xapp-) token the responder that simulates Socket Mode checks itself.
TOKENLESS_METHODS = frozenset(
    {"oauth.v2.access", "oauth.access", "api.test", "apps.connections.open"}
)
# Methods whose `blocks` are a message's blocks (50 at most).
MESSAGE_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.scheduleMessage",
        "files.completeUploadExternal",
    }
)
VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})
_TS_START_MICROS = 1_732_700_000_000_100
_ID_ALPHABET = string.ascii_uppercase + string.digits
_HASH_ALPHABET = string.ascii_letters + string.digits


@dataclass
class _Ctx:
    call: RecordedCall
    args: dict[str, Any]
    ws: Workspace | None
    root: str
    client_id: str | None = None
    client_secret: str | None = None

    @property
    def workspace(self) -> Workspace:
        assert self.ws is not None
        return self.ws


class SlackStandIn:
    """In-memory Slack: seeded state, recorded calls, fault injection and spec/Block Kit checks."""

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
        self._builtin: dict[str, Callable[[_Ctx], dict[str, Any]]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "team.info": self._team_info,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "files.upload": self._files_upload,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "oauth.v2.access": self._oauth_v2_access,
        }
        self.app = Starlette(
            routes=[
                Route("/api/{method}", self._handle_api, methods=["GET", "POST"]),
                Route("/response_url/{rest:path}", self._handle_response_url, methods=["POST"]),
                Route("/upload/v1/{file_id}", self._handle_upload, methods=["POST"]),
            ]
        )

    def _init_runtime(self) -> None:
        self._rng = random.Random(self._seed)
        self._issued_ids: set[str] = set()
        self._ts_micros = _TS_START_MICROS - 100
        self._messages: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._view_users: dict[str, str | None] = {}
        self._home: dict[tuple[str, str], str] = {}
        self._triggers: dict[str, TriggerInfo] = {}
        self._response_targets: dict[str, ResponseTarget] = {}
        self._response_counter = 0

    # ------------------------------------------------------------------ seeding

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

    def register_oauth_code(
        self,
        code: str,
        team_id: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        redirect_uri: str | None = None,
        installer_user_id: str = "U0INSTALLER",
        user_scopes: tuple[str, ...] = (),
    ) -> OAuthCode:
        """Make oauth.v2.access exchange `code` (once) for the installation of `team_id`."""
        if team_id not in self.workspaces:
            raise KeyError(f"add_workspace({team_id!r}, ...) before registering a code for it")
        entry = OAuthCode(
            code=code,
            team_id=team_id,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            installer_user_id=installer_user_id,
            user_scopes=tuple(user_scopes),
        )
        self.oauth_codes[code] = entry
        return entry

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
        secret = "".join(self._rng.choice(_HASH_ALPHABET) for _ in range(24))
        url_id = f"{team_id}/{7_000_000_000 + self._response_counter}/{secret}"
        self._response_targets[url_id] = ResponseTarget(team_id, channel_id, message_ts, user_id)
        return f"{self.root_url}response_url/{url_id}"

    def on(self, method: str, responder: Responder) -> None:
        """Answer `method` with responder(call) (a dict merged into {"ok": true}); raise SlackError for errors."""
        self._responders[method] = responder

    # ------------------------------------------------------------------ faults

    def inject(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 2,
        times: int | None = 1,
        delay: float | None = None,
    ) -> Fault:
        """Make the next `times` calls to `method` fail (429 by default), error, or answer slowly."""
        if status is None and error is None and delay is None:
            status = 429
        fault = Fault(method, status, error, retry_after, delay, times)
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Drop every injected fault."""
        self._faults.clear()

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self._faults:
            if fault.method == method and (fault.remaining is None or fault.remaining > 0):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    # ------------------------------------------------------------------ inspection

    @property
    def root_url(self) -> str:
        """The served root (base_url without the trailing "api/")."""
        if self.base_url is None:
            raise RuntimeError("the stand-in is not served yet: use run_standin_server()")
        return self.base_url.removesuffix("api/")

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Recorded calls to one method (or RESPONSE_URL / UPLOAD_URL), oldest first."""
        return [call for call in self.calls if call.method == method]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - the harness API polls recorded calls
        where: Callable[[RecordedCall], bool] | None = None,
    ) -> list[RecordedCall]:
        """Wait until `count` matching calls arrived and return all matching calls."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [c for c in self.calls_to(method) if where is None or where(c)]
            if len(matching) >= count:
                return matching
            if time.monotonic() >= deadline:
                seen = "\n  ".join(c.summary() for c in self.calls) or "(none)"
                condition = " matching `where`" if where is not None else ""
                raise AssertionError(
                    f"expected {count} call(s) to {method}{condition} within {timeout:g}s, "
                    f"got {len(matching)}. Calls seen:\n  {seen}"
                )
            await asyncio.sleep(0.01)

    def messages(self, channel_id: str, team_id: str | None = None) -> list[dict[str, Any]]:
        """Current messages in a channel (after updates and deletes), each with its 'channel'."""
        found: list[dict[str, Any]] = []
        for (team, channel), items in self._messages.items():
            if channel == channel_id and (team_id is None or team == team_id):
                found.extend({**item, "channel": channel} for item in items)
        return found

    def view(self, view_id: str) -> dict[str, Any] | None:
        """A view as Slack stores it (id, hash, state, generated block_ids...)."""
        return self._views.get(view_id)

    def views(self, team_id: str | None = None) -> list[dict[str, Any]]:
        """All stored views, oldest first."""
        return [v for v in self._views.values() if team_id is None or v["team_id"] == team_id]

    def view_user(self, view_id: str) -> str | None:
        """The user a view was opened or published for, when known."""
        return self._view_users.get(view_id)

    def home_view(self, user_id: str, team_id: str | None = None) -> dict[str, Any] | None:
        """The App Home view last published for a user."""
        for (team, user), view_id in self._home.items():
            if user == user_id and (team_id is None or team == team_id):
                return self._views[view_id]
        return None

    def apply_view_ack(
        self, view_id: str, response_action: str, view: dict[str, Any]
    ) -> dict[str, Any]:
        """Apply a view_submission ack's `response_action: update | push` as Slack does; return it."""
        current = self._views[view_id]
        workspace = self.workspaces[current["team_id"]]
        if response_action == "update":
            stored = self._view_json(
                workspace,
                view,
                view_id=view_id,
                previous_view_id=current["previous_view_id"],
                root_view_id=current["root_view_id"],
            )
            self._views[view_id] = stored
            return stored
        if response_action == "push":
            stored = self._view_json(
                workspace,
                view,
                previous_view_id=view_id,
                root_view_id=current["root_view_id"],
            )
            self._views[stored["id"]] = stored
            self._view_users[stored["id"]] = self._view_users.get(view_id)
            return stored
        raise ValueError(f"not a view-changing response_action: {response_action!r}")

    def workspace_for_token(self, token: str) -> Workspace | None:
        """The workspace a bot token belongs to."""
        return next((w for w in self.workspaces.values() if w.bot_token == token), None)

    def reset(self, *, state: bool = False) -> None:
        """Forget recorded calls, violations and faults; with state=True also messages/views/files/seeds."""
        self.calls.clear()
        self.violations.clear()
        self._faults.clear()
        if state:
            self.workspaces.clear()
            self.channels.clear()
            self.users.clear()
            self.files.clear()
            self.oauth_codes.clear()
            self._init_runtime()

    # ------------------------------------------------------------------ ids

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking ID such as C0ABCD1234 (prefix + '0' + 9 characters)."""
        while True:
            candidate = prefix + "0" + "".join(self._rng.choice(_ID_ALPHABET) for _ in range(9))
            if candidate not in self._issued_ids:
                self._issued_ids.add(candidate)
                return candidate

    def next_ts(self) -> str:
        """The next message timestamp ("1732700000.000100", increasing)."""
        self._ts_micros += 100
        return f"{self._ts_micros // 1_000_000}.{self._ts_micros % 1_000_000:06d}"

    def _new_hash(self) -> str:
        suffix = "".join(self._rng.choice(_HASH_ALPHABET) for _ in range(8))
        return f"{self._ts_micros // 1_000_000}.{suffix}"

    # ------------------------------------------------------------------ HTTP

    async def _handle_api(self, request: Request) -> Response:
        method = request.path_params["method"]
        args, token, basic, problems = await _read_request(request)
        call = RecordedCall(
            method=method,
            args=args,
            token=token,
            time=time.time(),
            http_method=request.method,
            path=request.url.path,
        )
        self.calls.append(call)
        faulted = await self._apply_fault(call)
        if faulted is not None:
            return faulted
        # The served root, also when this app is mounted under a prefix (sandbox mode).
        root = str(request.url.replace(query="")).rsplit(f"api/{method}", 1)[0]
        ctx = _Ctx(call, args, None, root, *basic)
        body = await self._dispatch(ctx, problems)
        call.response = body
        return JSONResponse(body)

    async def _apply_fault(self, call: RecordedCall) -> Response | None:
        fault = self._take_fault(call.method)
        if fault is None:
            return None
        call.fault = fault.describe()
        if call.token:
            workspace = self.workspace_for_token(call.token)
            call.team_id = workspace.team_id if workspace else None
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status is None and fault.error is None:
            return None
        status = fault.status or 200
        default = "ratelimited" if status == 429 else "internal_error" if status >= 500 else "fault"
        body = {"ok": False, "error": fault.error or default}
        headers = {"Retry-After": str(fault.retry_after)} if status == 429 else None
        call.status, call.response = status, body
        return JSONResponse(body, status_code=status, headers=headers)

    async def _dispatch(self, ctx: _Ctx, problems: list[str]) -> dict[str, Any]:
        call = ctx.call
        method = call.method
        known = method in self._builtin or method in self._responders
        if self.spec is not None:
            known = self.spec.knows(method) or method in self._responders
        if not known:
            if self.spec is not None and self.validate:
                self._violate(call, [f"{method}: no such method in the Slack Web API spec"])
            return {"ok": False, "error": "unknown_method"}
        if method not in TOKENLESS_METHODS:
            if not call.token:
                return {"ok": False, "error": "not_authed"}
            ctx.ws = self.workspace_for_token(call.token)
            if ctx.ws is None:
                return {"ok": False, "error": "invalid_auth"}
            call.team_id = ctx.ws.team_id
        if self.validate:
            problems = problems + self._check_call(method, ctx.args)
            if problems:
                self._violate(call, problems)
                return {
                    "ok": False,
                    "error": "invalid_arguments",
                    "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
                }
        try:
            responder = self._responders.get(method)
            if responder is not None:
                result = responder(call)
                if inspect.isawaitable(result):
                    result = await result
                return {"ok": True, **result}
            handler = self._builtin.get(method)
            if handler is None:
                return {
                    "ok": False,
                    "error": "unknown_method",
                    "standin_note": f"{method} is in Slack's spec but not simulated; use standin.on()",
                }
            return {"ok": True, **handler(ctx)}
        except SlackError as exc:
            return {"ok": False, "error": exc.error, **exc.extra}

    def _check_call(self, method: str, args: dict[str, Any]) -> list[str]:
        problems = self.spec.check(method, args) if self.spec is not None else []
        if method in MESSAGE_METHODS and "blocks" in args:
            problems.extend(check_blocks(args["blocks"], where=f"{method}: blocks"))
        if method in VIEW_METHODS and "view" in args:
            problems.extend(check_view(args["view"], where=f"{method}: view"))
            kind = args["view"].get("type") if isinstance(args["view"], dict) else None
            if method == "views.publish" and kind != "home":
                problems.append(f"{method}: only 'home' views can be published, got {kind!r}")
            if method in {"views.open", "views.push"} and kind != "modal":
                problems.append(f"{method}: only 'modal' views can be opened, got {kind!r}")
        return problems

    def _violate(self, call: RecordedCall, problems: list[str]) -> None:
        call.violations.extend(problems)
        self.violations.extend(problems)

    async def _handle_response_url(self, request: Request) -> Response:
        url_id = request.path_params["rest"]
        raw = await request.body()
        try:
            body: Any = json.loads(raw) if raw.strip() else {}
        except ValueError:
            form = dict(parse_qsl(raw.decode("utf-8", "replace")))
            body = json.loads(form["payload"]) if "payload" in form else form
        args = body if isinstance(body, dict) else {"body": body}
        target = self._response_targets.get(url_id)
        call = RecordedCall(
            method=RESPONSE_URL,
            args=args,
            token=None,
            time=time.time(),
            team_id=target.team_id if target else url_id.split("/")[0],
            path=request.url.path,
        )
        self.calls.append(call)
        faulted = await self._apply_fault(call)
        if faulted is not None:
            return faulted
        problems = check_message_body(body, where="response_url") if self.validate else []
        if problems:
            self._violate(call, problems)
            call.status, call.response = 400, "invalid_arguments"
            return PlainTextResponse("invalid_arguments", status_code=400)
        if target is not None and target.channel_id:
            self._apply_response(target, args)
        call.response = "ok"
        return PlainTextResponse("ok")

    def _apply_response(self, target: ResponseTarget, body: dict[str, Any]) -> None:
        workspace = self.workspaces.get(target.team_id)
        if workspace is None or target.channel_id is None:
            return
        items = self._messages.setdefault((target.team_id, target.channel_id), [])
        original = next((m for m in items if m["ts"] == target.message_ts), None)
        if body.get("delete_original") and original is not None:
            items.remove(original)
        elif body.get("replace_original") and original is not None:
            original.update(message_content(body))
        elif body.get("response_type") == "in_channel":
            items.append(self._new_message(workspace, body))

    async def _handle_upload(self, request: Request) -> Response:
        file_id = request.path_params["file_id"]
        raw = await request.body()
        upload = self.files.get(file_id)
        call = RecordedCall(
            method=UPLOAD_URL,
            args={"file_id": file_id, "content": raw},
            token=None,
            time=time.time(),
            team_id=upload.team_id if upload else None,
            path=request.url.path,
        )
        self.calls.append(call)
        faulted = await self._apply_fault(call)
        if faulted is not None:
            return faulted
        if upload is None:
            call.status, call.response = 404, "not_found"
            return PlainTextResponse("not_found", status_code=404)
        upload.content = raw
        upload.uploaded = True
        call.response = f"OK - {len(raw)}"
        return PlainTextResponse(call.response)

    # ------------------------------------------------------------------ shapes

    def _channel_json(self, channel: Channel, *, num_members: bool = False) -> dict[str, Any]:
        workspace = self.workspaces.get(channel.team_id)
        people = [u for u in self.users.values() if u.team_id == channel.team_id]
        creator = next(
            (u.id for u in people if not u.is_bot), workspace.bot_user_id if workspace else ""
        )
        count = sum(1 for u in people if not u.deleted) if num_members else None
        return channel_json(channel, creator=creator, num_members=count)

    def _user_json(self, user: User) -> dict[str, Any]:
        return user_json(user, self.workspaces.get(user.team_id))

    def _file_json(self, upload: UploadedFile) -> dict[str, Any]:
        bot_user_id = self.workspaces[upload.team_id].bot_user_id
        return file_json(upload, bot_user_id=bot_user_id, created=self._ts_micros // 1_000_000)

    def _new_message(self, workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
        return bot_message(workspace, args, self.next_ts())

    def _view_json(
        self,
        ws: Workspace,
        view: dict[str, Any],
        *,
        view_id: str | None = None,
        previous_view_id: str | None = None,
        root_view_id: str | None = None,
    ) -> dict[str, Any]:
        return view_json(
            ws,
            view,
            view_id=view_id or self.new_id("V"),
            view_hash=self._new_hash(),
            previous_view_id=previous_view_id,
            root_view_id=root_view_id,
        )

    # ------------------------------------------------------------------ channel rules

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

    def _find_message(
        self, ws: Workspace, channel_id: str, ts: str
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        if (ws.team_id, channel_id) not in self.channels:
            raise SlackError("channel_not_found")
        items = self._messages.get((ws.team_id, channel_id), [])
        message = next((m for m in items if m["ts"] == str(ts)), None)
        if message is None:
            raise SlackError("message_not_found")
        return items, message

    # ------------------------------------------------------------------ methods

    def _api_test(self, ctx: _Ctx) -> dict[str, Any]:
        return {"args": ctx.args} if ctx.args else {}

    def _auth_test(self, ctx: _Ctx) -> dict[str, Any]:
        ws = ctx.workspace
        return {
            "url": f"https://{ws.domain}.slack.com/",
            "team": ws.name,
            "user": ws.bot_name,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    def _team_info(self, ctx: _Ctx) -> dict[str, Any]:
        team_id = str(ctx.args.get("team") or ctx.workspace.team_id)
        ws = self.workspaces.get(team_id)
        if ws is None:
            raise SlackError("team_not_found")
        return {
            "team": {
                "id": ws.team_id,
                "name": ws.name,
                "url": f"https://{ws.domain}.slack.com/",
                "domain": ws.domain,
                "email_domain": "example.com",
                "icon": {
                    "image_default": True,
                    "image_68": "https://a.slack-edge.com/img/avatars-teams/ava_0001-68.png",
                },
                "avatar_base_url": "https://ca.slack-edge.com/",
                "is_verified": False,
                **({"enterprise_id": ws.enterprise_id} if ws.enterprise_id else {}),
            }
        }

    def _chat_post_message(self, ctx: _Ctx) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        channel = self._resolve_postable(ws, str(args.get("channel", "")))
        _require_content(args)
        message = self._new_message(ws, args)
        self._messages.setdefault((ws.team_id, channel.id), []).append(message)
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "message": dict(message),
        }

    def _chat_post_ephemeral(self, ctx: _Ctx) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        channel = self._resolve_postable(ws, str(args.get("channel", "")))
        _require_content(args)
        user = self.users.get((ws.team_id, str(args.get("user", ""))))
        if user is None or user.deleted:
            raise SlackError("user_not_found")
        if channel.is_im and channel.user != user.id:
            raise SlackError("user_not_in_channel")
        return {"message_ts": self.next_ts()}

    def _chat_update(self, ctx: _Ctx) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        _, message = self._find_message(ws, str(args.get("channel", "")), str(args.get("ts", "")))
        if message.get("bot_id") != ws.bot_id:
            raise SlackError("cant_update_message")
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            raise SlackError("no_text")
        message.update(message_content(args))
        return {
            "channel": args["channel"],
            "ts": message["ts"],
            "text": message["text"],
            "message": dict(message),
        }

    def _chat_delete(self, ctx: _Ctx) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        items, message = self._find_message(
            ws, str(args.get("channel", "")), str(args.get("ts", ""))
        )
        if message.get("bot_id") != ws.bot_id:
            raise SlackError("cant_delete_message")
        items.remove(message)
        return {"channel": args["channel"], "ts": message["ts"]}

    def _take_trigger(self, ws: Workspace, trigger_id: str | None) -> TriggerInfo | None:
        if not trigger_id:
            return None
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            return None  # not issued by the request sender: accepted as is
        if trigger.team_id != ws.team_id:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.trigger_ttl is not None and time.monotonic() - trigger.created > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def _check_external_id(
        self, ws: Workspace, view: dict[str, Any], own_id: str | None = None
    ) -> None:
        external_id = view.get("external_id")
        if not external_id:
            return
        for other in self._views.values():
            if (
                other["team_id"] == ws.team_id
                and other["external_id"] == external_id
                and other["id"] != own_id
            ):
                raise SlackError("duplicate_external_id")

    def _views_open(self, ctx: _Ctx) -> dict[str, Any]:
        ws, view = ctx.workspace, ctx.args["view"]
        trigger = self._take_trigger(ws, ctx.args.get("trigger_id"))
        self._check_external_id(ws, view)
        stored = self._view_json(ws, view)
        self._views[stored["id"]] = stored
        self._view_users[stored["id"]] = trigger.user_id if trigger else None
        return {"view": stored}

    def _views_push(self, ctx: _Ctx) -> dict[str, Any]:
        ws, view = ctx.workspace, ctx.args["view"]
        trigger = self._take_trigger(ws, ctx.args.get("trigger_id"))
        self._check_external_id(ws, view)
        parent = self._views.get(trigger.view_id) if trigger and trigger.view_id else None
        root_id = parent["root_view_id"] if parent else None
        if root_id is not None:
            stack = [v for v in self._views.values() if v["root_view_id"] == root_id]
            if len(stack) >= 3:
                raise SlackError("push_limit_reached")
        view_id = self.new_id("V")
        stored = self._view_json(
            ws,
            view,
            view_id=view_id,
            previous_view_id=parent["id"] if parent else None,
            root_view_id=root_id or view_id,
        )
        self._views[view_id] = stored
        self._view_users[view_id] = trigger.user_id if trigger else None
        return {"view": stored}

    def _views_update(self, ctx: _Ctx) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        current: dict[str, Any] | None = None
        if args.get("view_id"):
            current = self._views.get(str(args["view_id"]))
        elif args.get("external_id"):
            current = next(
                (
                    v
                    for v in self._views.values()
                    if v["team_id"] == ws.team_id and v["external_id"] == args["external_id"]
                ),
                None,
            )
        if current is None or current["team_id"] != ws.team_id:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        self._check_external_id(ws, args["view"], own_id=current["id"])
        updated = self._view_json(
            ws,
            args["view"],
            view_id=current["id"],
            previous_view_id=current["previous_view_id"],
            root_view_id=current["root_view_id"],
        )
        updated["state"] = current["state"]
        self._views[current["id"]] = updated
        return {"view": updated}

    def _views_publish(self, ctx: _Ctx) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        user_id = str(args.get("user_id", ""))
        user = self.users.get((ws.team_id, user_id))
        if user is not None and (user.deleted or user.is_bot):
            raise SlackError("not_enabled" if user.is_bot else "user_not_found")
        current_id = self._home.get((ws.team_id, user_id))
        current = self._views.get(current_id) if current_id else None
        if args.get("hash") and (current is None or args["hash"] != current["hash"]):
            raise SlackError("hash_conflict")
        stored = self._view_json(ws, args["view"], view_id=current_id)
        self._views[stored["id"]] = stored
        self._view_users[stored["id"]] = user_id
        self._home[(ws.team_id, user_id)] = stored["id"]
        return {"view": stored}

    def _conversations_info(self, ctx: _Ctx) -> dict[str, Any]:
        ws = ctx.workspace
        channel = self.channels.get((ws.team_id, str(ctx.args.get("channel", ""))))
        if channel is None or (channel.is_private and not channel.is_member):
            raise SlackError("channel_not_found")
        wants_count = _truthy(ctx.args.get("include_num_members"))
        return {"channel": self._channel_json(channel, num_members=wants_count)}

    def _conversations_join(self, ctx: _Ctx) -> dict[str, Any]:
        ws = ctx.workspace
        channel = self.channels.get((ws.team_id, str(ctx.args.get("channel", ""))))
        if channel is None or (channel.is_private and not channel.is_member):
            raise SlackError("channel_not_found")
        if channel.is_im or channel.is_private:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackError("is_archived")
        if "channels:join" not in ws.scopes:
            raise SlackError("missing_scope", needed="channels:join", provided=",".join(ws.scopes))
        if channel.is_member:
            return {
                "channel": self._channel_json(channel),
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
        channel.is_member = True
        return {"channel": self._channel_json(channel)}

    def _conversations_open(self, ctx: _Ctx) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        if args.get("channel"):
            channel = self.channels.get((ws.team_id, str(args["channel"])))
            if channel is None or not channel.is_im:
                raise SlackError("channel_not_found")
            return {"channel": self._channel_json(channel), "no_op": True, "already_open": True}
        user_ids = [u.strip() for u in str(args.get("users", "")).split(",") if u.strip()]
        if not user_ids:
            raise SlackError("users_list_not_supplied")
        if len(user_ids) > 1:
            raise SlackError("not_implemented_in_standin", detail="group DMs are not simulated")
        user = self.users.get((ws.team_id, user_ids[0]))
        if user is None or user.deleted:
            raise SlackError("user_not_found")
        if user.is_bot:
            raise SlackError("cannot_dm_bot")
        existed = any(
            c.is_im and c.user == user.id and c.team_id == ws.team_id
            for c in self.channels.values()
        )
        channel = self._dm_for(ws, user.id)
        body: dict[str, Any] = {
            "channel": self._channel_json(channel)
            if _truthy(args.get("return_im"))
            else {"id": channel.id}
        }
        if existed:
            body.update(no_op=True, already_open=True)
        return body

    def _users_info(self, ctx: _Ctx) -> dict[str, Any]:
        user = self.users.get((ctx.workspace.team_id, str(ctx.args.get("user", ""))))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": self._user_json(user)}

    def _users_lookup_by_email(self, ctx: _Ctx) -> dict[str, Any]:
        email = str(ctx.args.get("email", "")).lower()
        for user in self.users.values():
            if user.team_id == ctx.workspace.team_id and (user.email or "").lower() == email:
                return {"user": self._user_json(user)}
        raise SlackError("users_not_found")

    def _share_targets(self, ws: Workspace, args: dict[str, Any], key: str) -> list[Channel]:
        ids = [c.strip() for c in str(args.get(key) or "").split(",") if c.strip()]
        if key != "channels" and args.get("channels"):
            ids += [c.strip() for c in str(args["channels"]).split(",") if c.strip()]
        return [self._resolve_postable(ws, channel_id) for channel_id in ids]

    def _share(
        self, ws: Workspace, upload: UploadedFile, channels: list[Channel], args: dict[str, Any]
    ) -> None:
        for channel in channels:
            upload.channels.append(channel.id)
            message = self._new_message(
                ws, {"text": args.get("initial_comment") or "", "thread_ts": args.get("thread_ts")}
            )
            message["files"] = [{"id": upload.id, "name": upload.filename, "title": upload.title}]
            message["upload"] = True
            self._messages.setdefault((ws.team_id, channel.id), []).append(message)

    def _files_upload(self, ctx: _Ctx) -> dict[str, Any]:
        # files.upload was retired by Slack in 2025; kept because older code paths still call it.
        ws, args = ctx.workspace, ctx.args
        content = args.get("content")
        if content is None:
            content = args.get("file")
        if content is None:
            raise SlackError("no_file_data")
        data = content if isinstance(content, bytes) else str(content).encode("utf-8")
        channels = self._share_targets(ws, args, "channels")
        filename = str(args.get("filename") or "file.txt")
        upload = UploadedFile(
            id=self.new_id("F"),
            team_id=ws.team_id,
            filename=filename,
            title=str(args.get("title") or filename),
            content=data,
            length=len(data),
            uploaded=True,
            completed=True,
            initial_comment=args.get("initial_comment"),
        )
        self.files[upload.id] = upload
        self._share(ws, upload, channels, args)
        return {"file": self._file_json(upload)}

    def _files_get_upload_url(self, ctx: _Ctx) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        try:
            length = int(args.get("length", ""))
        except ValueError:
            raise SlackError("invalid_arguments") from None
        upload = UploadedFile(
            id=self.new_id("F"),
            team_id=ws.team_id,
            filename=str(args.get("filename", "")),
            title=str(args.get("filename", "")),
            length=length,
        )
        self.files[upload.id] = upload
        return {"upload_url": f"{ctx.root}upload/v1/{upload.id}", "file_id": upload.id}

    def _files_complete_upload(self, ctx: _Ctx) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments")
        uploads: list[UploadedFile] = []
        for entry in entries:
            upload = self.files.get(str(entry.get("id"))) if isinstance(entry, dict) else None
            if upload is None or upload.team_id != ws.team_id or not upload.uploaded:
                raise SlackError("file_not_found")
            if entry.get("title"):
                upload.title = str(entry["title"])
            uploads.append(upload)
        channels = self._share_targets(ws, args, "channel_id")
        for upload in uploads:
            upload.completed = True
            upload.initial_comment = args.get("initial_comment")
            self._share(ws, upload, channels, args)
        return {"files": [self._file_json(u) for u in uploads]}

    def _oauth_v2_access(self, ctx: _Ctx) -> dict[str, Any]:
        args = ctx.args
        client_id = ctx.client_id or args.get("client_id")
        client_secret = ctx.client_secret or args.get("client_secret")
        entry = self.oauth_codes.get(str(args.get("code", "")))
        if entry is None or entry.used:
            raise SlackError("invalid_code")
        if entry.client_id is not None and client_id != entry.client_id:
            raise SlackError("invalid_client_id")
        if entry.client_secret is not None and client_secret != entry.client_secret:
            raise SlackError("bad_client_secret")
        if entry.redirect_uri is not None and args.get("redirect_uri") not in (
            None,
            entry.redirect_uri,
        ):
            raise SlackError("bad_redirect_uri")
        entry.used = True
        ws = self.workspaces[entry.team_id]
        authed_user: dict[str, Any] = {"id": entry.installer_user_id}
        if entry.user_scopes:
            authed_user.update(
                scope=",".join(entry.user_scopes),
                access_token=f"xoxp-{ws.team_id}-{entry.installer_user_id}",
                token_type="user",
            )
        return {
            "app_id": ws.app_id,
            "authed_user": authed_user,
            "scope": ",".join(ws.scopes),
            "token_type": "bot",
            "access_token": ws.bot_token,
            "bot_user_id": ws.bot_user_id,
            "team": {"id": ws.team_id, "name": ws.name},
            "enterprise": {"id": ws.enterprise_id} if ws.enterprise_id else None,
            "is_enterprise_install": False,
        }


def _require_content(args: dict[str, Any]) -> None:
    if not any(args.get(key) for key in ("text", "blocks", "attachments", "markdown_text")):
        raise SlackError("no_text")
    text = args.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        raise SlackError("msg_too_long")


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"1", "true"}


async def _read_request(
    request: Request,
) -> tuple[dict[str, Any], str | None, tuple[str | None, str | None], list[str]]:
    """Arguments (query + form/JSON/multipart body, JSON fields decoded), token, Basic creds, problems."""
    args: dict[str, Any] = dict(request.query_params)
    problems: list[str] = []
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if content_type == "application/json":
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
                problems.append("request body is not valid JSON")
            if isinstance(body, dict):
                args.update(body)
            elif body is not None:
                problems.append("a JSON request body must be an object")
    elif content_type == "multipart/form-data":
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                args[key] = await value.read()
                if value.filename and "filename" not in args:
                    args["filename"] = value.filename
            else:
                args[key] = value
    elif raw:
        args.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    for key in JSON_ARGS:
        encoded = args.get(key)
        if isinstance(encoded, str) and encoded.strip()[:1] in {"[", "{"}:
            try:
                args[key] = json.loads(encoded)
            except ValueError:
                problems.append(f"argument {key!r} is not valid JSON")
    token: str | None = None
    client: tuple[str | None, str | None] = (None, None)
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        token = credentials.strip()
    elif scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(credentials).decode("utf-8").partition(":")
            client = (client_id, secret)
        except (ValueError, binascii.Error):
            problems.append("malformed Basic authorization header")
    body_token = args.pop("token", None)
    if token is None and body_token:
        token = str(body_token)
    return args, token, client, problems


@contextlib.asynccontextmanager
async def run_standin_server(
    standin: SlackStandIn, port: int = 0, host: str = "127.0.0.1"
) -> AsyncIterator[str]:
    """Serve the stand-in in the current event loop; yields the base URL ("http://127.0.0.1:N/api/")."""
    async with serve_in_loop(
        standin.app, host=host, port=port, lifespan="off", name="Slack stand-in"
    ) as root:
        standin.base_url = f"{root}/api/"
        try:
            yield standin.base_url
        finally:
            standin.base_url = None


def seed_demo(standin: SlackStandIn) -> Workspace:
    """Seed one workspace with a few channels and users, for trying the bot by hand."""
    workspace = standin.add_workspace("T0VILTDEMO", "xoxb-demo-token", "U0VILTBOT1", "Vilt Demo")
    standin.add_channel("T0VILTDEMO", "C0GENERAL1", "general")
    standin.add_channel("T0VILTDEMO", "C0TRAINING", "training")
    standin.add_channel("T0VILTDEMO", "G0PRIVATE1", "managers", is_private=True, is_member=False)
    standin.add_user("T0VILTDEMO", "U0ADA00001", "ada", "ada@example.com", real_name="Ada Lovelace")
    standin.add_user("T0VILTDEMO", "U0GRACE001", "grace", "grace@example.com", "America/New_York")
    return workspace


def serve(
    port: int,
    host: str = "127.0.0.1",
    *,
    standin: SlackStandIn | None = None,
    spec_path: str | Path | None = None,
) -> None:
    """Run the stand-in until interrupted (blocking), e.g. for the bot's try-it mode."""
    standin = standin or SlackStandIn(spec_path)
    standin.base_url = f"http://{host}:{port}/api/"
    uvicorn.run(standin.app, host=host, port=port, log_level="info", lifespan="off")


def main(argv: list[str] | None = None) -> None:
    """Command line: python -m sandbox.slack.web_api --port 3001 [--spec PATH] [--demo]."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--spec", default=None, help="path to slack-web-api.openapi-v2.json")
    parser.add_argument("--demo", action="store_true", help="seed a demo workspace")
    options = parser.parse_args(argv)
    standin = SlackStandIn(options.spec)
    if options.demo:
        workspace = seed_demo(standin)
        print(f"demo workspace {workspace.team_id}, bot token {workspace.bot_token}")
    serve(options.port, options.host, standin=standin)


if __name__ == "__main__":
    main()
