"""A local stand-in for Slack's Socket Mode: `apps.connections.open` and the WebSocket it hands out.

The bot asks the Web API stand-in (SLACK_API_URL) for a WebSocket URL with its app-level token;
this stand-in answers that call, says `hello` on the WebSocket, lets a test push envelopes exactly
as Slack does, and records the app's acks. Message shapes follow Slack's "Using Socket Mode" guide
and what slack_sdk's SocketModeRequest reads and SocketModeResponse writes:

    hello:    {"type": "hello", "num_connections": 1, "connection_info": {"app_id": …},
               "debug_info": {"host": …, "build_number": …, "approximate_connection_time": …}}
    envelope: {"envelope_id": …, "type": "slash_commands" | "interactive" | "events_api",
               "payload": {…}, "accepts_response_payload": bool}
              (events_api envelopes also carry "retry_attempt" and "retry_reason")
    ack:      {"envelope_id": …, "payload": {…}}   (payload optional)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketState

from sandbox.serving import serve_in_loop
from sandbox.slack.web_api import DEFAULT_APP_ID, RecordedCall, SlackError, SlackStandIn

__all__ = [
    "ACK_DEADLINE_SECONDS",
    "CONNECTIONS_OPEN",
    "ENVELOPE_TYPES",
    "Ack",
    "SlackSocketStandIn",
    "run_socket_standin",
]

CONNECTIONS_OPEN = "apps.connections.open"
APP_TOKEN_PREFIX = "xapp-"
ENVELOPE_TYPES = frozenset({"slash_commands", "interactive", "events_api"})
ACK_DEADLINE_SECONDS = 3.0
"""Slack wants every envelope acknowledged within 3 seconds, as over HTTP."""
# What Slack announces in `hello`: the connection is refreshed after about this many seconds.
APPROXIMATE_CONNECTION_TIME = 18060
# WebSocket close code for a refused handshake (unknown or reused ticket).
POLICY_VIOLATION = 1008
GOING_AWAY = 1001


@dataclass
class Ack:
    """One acknowledgement the app sent back over the WebSocket."""

    envelope_id: str
    payload: dict[str, Any] | None
    message: dict[str, Any]
    seconds: float
    """Time from sending the envelope to receiving this ack."""


@dataclass
class _Sent:
    envelope: dict[str, Any]
    at: float
    acked: asyncio.Future[Ack]


class SlackSocketStandIn:
    """Slack's Socket Mode side: tickets, the `hello`, pushed envelopes and recorded acks."""

    def __init__(
        self,
        app_token: str,
        *,
        app_id: str = DEFAULT_APP_ID,
        ack_deadline: float = ACK_DEADLINE_SECONDS,
    ) -> None:
        if not app_token.startswith(APP_TOKEN_PREFIX):
            raise ValueError(f"an app-level token starts with {APP_TOKEN_PREFIX!r}")
        self.app_token = app_token
        self.app_id = app_id
        self.ack_deadline = ack_deadline
        self.base_url: str | None = None
        """The served root ("ws://127.0.0.1:N"), set by run_socket_standin()."""
        self.tickets: dict[str, bool] = {}
        """Tickets handed out by apps.connections.open -> whether a WebSocket used it."""
        self.refused: list[str] = []
        self.messages: list[dict[str, Any]] = []
        """Everything sent to the app (hello, envelopes, disconnects), oldest first."""
        self.acks: list[Ack] = []
        self.violations: list[str] = []
        self._links: list[WebSocket] = []
        self._sent: dict[str, _Sent] = {}
        self._hellos = 0
        self.app = Starlette(routes=[WebSocketRoute("/link/", self._link)])

    # ------------------------------------------------------------------ wiring

    def install(self, standin: SlackStandIn) -> None:
        """Answer apps.connections.open on the Web API stand-in (call before the bot connects)."""
        standin.on(CONNECTIONS_OPEN, self._connections_open)

    def _connections_open(self, call: RecordedCall) -> dict[str, Any]:
        token = call.token or str(call.args.get("token") or "")
        if not token:
            raise SlackError("not_authed")
        if not token.startswith(APP_TOKEN_PREFIX):
            # What Slack answers when a bot or user token calls an app-level-token method.
            raise SlackError("not_allowed_token_type")
        if token != self.app_token:
            raise SlackError("invalid_auth")
        if self.base_url is None:
            raise RuntimeError("the socket stand-in is not served yet: use run_socket_standin()")
        ticket = str(uuid.uuid4())
        self.tickets[ticket] = False
        return {"url": f"{self.base_url}/link/?ticket={ticket}"}

    # ------------------------------------------------------------------ the WebSocket

    async def _link(self, websocket: WebSocket) -> None:
        ticket = websocket.query_params.get("ticket", "")
        if self.tickets.get(ticket) is not False:
            # Slack's URLs are single-use: an unknown or spent ticket never gets a `hello`.
            self.refused.append(ticket)
            await websocket.close(code=POLICY_VIOLATION)
            return
        self.tickets[ticket] = True
        await websocket.accept()
        self._links.append(websocket)
        try:
            await self._send(websocket, self._hello())
            self._hellos += 1
            while True:
                frame = await websocket.receive()
                if frame["type"] == "websocket.disconnect":
                    break
                text = frame.get("text")
                if text is None:
                    text = (frame.get("bytes") or b"").decode("utf-8", "replace")
                self._on_app_message(text)
        finally:
            self._links.remove(websocket)

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self._links),
            "debug_info": {
                "host": "applink-standin",
                "build_number": 1,
                "approximate_connection_time": APPROXIMATE_CONNECTION_TIME,
            },
            "connection_info": {"app_id": self.app_id},
        }

    async def _send(self, websocket: WebSocket, message: dict[str, Any]) -> None:
        self.messages.append(message)
        await websocket.send_text(json.dumps(message, separators=(",", ":")))

    def _on_app_message(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            self.violations.append(f"the app sent a frame that is not JSON: {text[:200]!r}")
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if not isinstance(envelope_id, str):
            self.violations.append(f"the app sent a message without an envelope_id: {text[:200]}")
            return
        sent = self._sent.get(envelope_id)
        if sent is None:
            self.violations.append(f"ack for an envelope never sent: {envelope_id}")
            return
        if sent.acked.done():
            self.violations.append(f"envelope {envelope_id} acked twice")
            return
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            self.violations.append(f"ack {envelope_id}: payload must be an object, got {payload!r}")
        elif payload is not None and not sent.envelope["accepts_response_payload"]:
            # Slack drops it: whatever the app meant to show never appears.
            self.violations.append(
                f"ack {envelope_id}: payload sent for a {sent.envelope['type']} envelope "
                "that does not accept a response payload"
            )
        seconds = time.monotonic() - sent.at
        if seconds > self.ack_deadline:
            self.violations.append(
                f"ack {envelope_id} after {seconds:.1f}s (Slack waits {self.ack_deadline:g}s)"
            )
        ack = Ack(envelope_id, payload if isinstance(payload, dict) else None, message, seconds)
        self.acks.append(ack)
        sent.acked.set_result(ack)

    # ------------------------------------------------------------------ test API

    @property
    def connected(self) -> bool:
        """Whether the app holds an open WebSocket."""
        return bool(self._links)

    async def wait_connected(self, count: int = 1, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - the harness API polls
        """Wait until `count` connections in all got their `hello` and one is still open."""
        deadline = time.monotonic() + timeout
        while not (self._hellos >= count and self._links):
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"the app did not connect over Socket Mode within {timeout:g}s "
                    f"(hellos: {self._hellos}, tickets: {len(self.tickets)}, "
                    f"refused: {len(self.refused)})"
                )
            await asyncio.sleep(0.01)

    def envelope(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        envelope_id: str | None = None,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> dict[str, Any]:
        """An envelope as Slack sends it; only events_api ones carry the retry fields."""
        if kind not in ENVELOPE_TYPES:
            raise ValueError(f"envelope type must be one of {sorted(ENVELOPE_TYPES)}, got {kind!r}")
        if accepts_response_payload is None:
            # Events are acked empty; commands and interactions may answer in the ack.
            accepts_response_payload = kind != "events_api"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        return envelope

    async def send(self, envelope: dict[str, Any]) -> None:
        """Send an envelope on the newest connection (Slack may pick any open one)."""
        if not self._links:
            raise AssertionError("no open Socket Mode connection: await wait_connected() first")
        envelope_id = str(envelope["envelope_id"])
        acked: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._sent[envelope_id] = _Sent(envelope, time.monotonic(), acked)
        await self._send(self._links[-1], envelope)

    async def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> Ack:  # noqa: ASYNC109 - the harness API bounds every wait
        """The app's ack for an envelope, within `timeout` seconds."""
        sent = self._sent[envelope_id]
        try:
            return await asyncio.wait_for(asyncio.shield(sent.acked), timeout)
        except TimeoutError:
            raise AssertionError(
                f"no ack for {sent.envelope['type']} envelope {envelope_id} within {timeout:g}s"
            ) from None

    async def push(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the harness API bounds every wait
        **envelope_args: Any,
    ) -> Ack:
        """Send an envelope of `kind` around `payload` and return the app's ack."""
        envelope = self.envelope(kind, payload, **envelope_args)
        await self.send(envelope)
        return await self.wait_ack(envelope["envelope_id"], timeout)

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell every connection to go away, as Slack does before refreshing them."""
        message = {
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": "applink-standin"},
        }
        for websocket in list(self._links):
            await self._send(websocket, message)

    async def close_links(self) -> None:
        """Close every open WebSocket from Slack's side."""
        for websocket in list(self._links):
            if websocket.application_state == WebSocketState.CONNECTED:
                with contextlib.suppress(RuntimeError):
                    await websocket.close(code=GOING_AWAY)


@contextlib.asynccontextmanager
async def run_socket_standin(
    socket_standin: SlackSocketStandIn, port: int = 0, host: str = "127.0.0.1"
) -> AsyncIterator[str]:
    """Serve the WebSocket side in the current event loop; yields its root ("ws://127.0.0.1:N")."""
    async with serve_in_loop(
        socket_standin.app,
        host=host,
        port=port,
        lifespan="off",
        # Named, not "auto": fail loudly when the `websockets` package is missing.
        ws="websockets-sansio",
        name="Socket Mode stand-in",
    ) as root:
        socket_standin.base_url = "ws://" + root.removeprefix("http://")
        try:
            yield socket_standin.base_url
        finally:
            await socket_standin.close_links()
            socket_standin.base_url = None
