"""The Slack stand-in's HTTP side: Web API calls, response URLs and upload URLs, faults applied."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from sandbox.slack.blockkit import check_blocks, check_message_body, check_view
from sandbox.slack.core import RESPONSE_URL, UPLOAD_URL, CallContext, StandInCore
from sandbox.slack.records import Fault, RecordedCall, ResponseTarget, SlackError
from sandbox.slack.request_args import read_request
from sandbox.slack.shapes import message_content

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


class LostAnswer(Response):
    """An answer whose connection breaks after its first bytes: the client cannot read it."""

    def __init__(self) -> None:
        super().__init__(status_code=200, media_type="application/json")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"ok": tr', "more_body": True})
        # Returning without the rest makes the server close the connection mid-answer.


class HttpTransport(StandInCore):
    """Receives every request, records it, applies faults and checks, and dispatches it."""

    async def _handle_api(self, request: Request) -> Response:
        try:
            return await self._serve_api(request)
        finally:
            self.changed()

    async def _serve_api(self, request: Request) -> Response:
        method = request.path_params["method"]
        args, token, basic, problems = await read_request(request)
        call = RecordedCall(
            method=method,
            args=args,
            token=token,
            time=time.time(),
            http_method=request.method,
            path=request.url.path,
        )
        self.calls.append(call)
        fault = self._take_fault(call.method)
        if fault is not None:
            faulted = await self._fault_response(call, fault)
            if faulted is not None:
                return faulted
        # The served root, also when this app is mounted under a prefix (sandbox mode).
        root = str(request.url.replace(query="")).rsplit(f"api/{method}", 1)[0]
        ctx = CallContext(call, args, None, root, *basic)
        body = await self._dispatch(ctx, problems)
        call.response = body
        if fault is not None and fault.answer_delay:
            # The call took effect; only the answer is late.
            await asyncio.sleep(fault.answer_delay)
        if fault is not None and fault.answer_lost:
            return LostAnswer()
        return JSONResponse(body)

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self._faults:
            if fault.method == method and (fault.remaining is None or fault.remaining > 0):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    async def _apply_fault(self, call: RecordedCall) -> Response | None:
        fault = self._take_fault(call.method)
        if fault is None:
            return None
        return await self._fault_response(call, fault)

    async def _fault_response(self, call: RecordedCall, fault: Fault) -> Response | None:
        """Apply a fault's delay; the error answer it makes, or None to handle the call."""
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

    async def _dispatch(self, ctx: CallContext, problems: list[str]) -> dict[str, Any]:
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
        try:
            return await self._serve_response_url(request)
        finally:
            self.changed()

    async def _serve_response_url(self, request: Request) -> Response:
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
        try:
            return await self._serve_upload(request)
        finally:
            self.changed()

    async def _serve_upload(self, request: Request) -> Response:
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
