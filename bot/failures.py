"""One failure path: what a user is told when a request fails, and on which surface.

`explain` maps an exception to the text the user sees (first matching rule of `RULES` wins;
add a rule to teach it a new kind of failure). `answer` delivers that text where the user is
looking: in the ack itself when the request has not been acknowledged yet (the ephemeral reply
to a slash command, field errors on a modal), else through the response_url of the command or
button, else as a direct message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.failures import describe_slack_error
from db.uow import is_unavailable
from domain import mrkdwn
from domain.errors import DomainError, StoreUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Explanation:
    """What the user is told, and how loudly the failure is logged."""

    text: str
    level: int
    with_traceback: bool = False


Rule = tuple[Callable[[Exception], bool], Callable[[Exception, str], Explanation]]


def _domain(error: Exception, ref: str) -> Explanation:
    assert isinstance(error, DomainError)
    return Explanation(f":warning: {error.message}", logging.INFO)


def _database(error: Exception, ref: str) -> Explanation:
    return Explanation(f":warning: {StoreUnavailable(ref).message}", logging.WARNING)


def _slack(error: Exception, ref: str) -> Explanation:
    text = describe_slack_error(error)
    assert text is not None
    return Explanation(f":warning: {text}", logging.WARNING)


def _unexpected(error: Exception, ref: str) -> Explanation:
    return Explanation(
        f":boom: Sorry, something went wrong (ref {mrkdwn.code(ref)})",
        logging.ERROR,
        with_traceback=True,
    )


# First match wins; the last rule catches everything.
RULES: list[Rule] = [
    (lambda error: isinstance(error, DomainError), _domain),
    (is_unavailable, _database),
    (lambda error: describe_slack_error(error) is not None, _slack),
    (lambda error: True, _unexpected),
]


def explain(error: Exception, ref: str) -> Explanation:
    """The text for the user and the log level for `error`; `ref` goes in both."""
    for matches, build in RULES:
        if matches(error):
            return build(error, ref)
    raise AssertionError("the last rule matches every error")  # pragma: no cover


async def answer(
    error: Exception,
    *,
    ref: str,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: AsyncRespond | None,
    client: AsyncWebClient | None,
) -> BoltResponse | None:
    """Log `error` once and tell the user; return the ack when Slack still waits for one."""
    explanation = explain(error, ref)
    log.log(
        explanation.level,
        "request %s failed: %s",
        ref,
        type(error).__name__,
        exc_info=error if explanation.with_traceback else None,
    )
    kind = body.get("type") or ("slash_command" if body.get("command") else None)
    if response is not None:
        if kind == "slash_command":
            return BoltResponse(
                status=200, body={"response_type": "ephemeral", "text": explanation.text}
            )
        if kind == "view_submission":
            field = _first_input_block(body)
            if field is not None:
                errors = {field: _plain(explanation.text)[:150]}
                return BoltResponse(
                    status=200, body={"response_action": "errors", "errors": errors}
                )
    acked = BoltResponse(status=200, body="") if response is not None else None
    if kind in {"slash_command", "block_actions", "view_submission", "shortcut"}:
        await _tell(explanation.text, body=body, respond=respond, client=client, ref=ref)
    return acked


async def _tell(
    text: str,
    *,
    body: dict[str, Any],
    respond: AsyncRespond | None,
    client: AsyncWebClient | None,
    ref: str,
) -> None:
    """Through the response_url when the request has one, else in the user's DM."""
    try:
        if respond is not None and _has_response_url(body):
            await respond(text=text, response_type="ephemeral", replace_original=False)
            return
        user_id = _user_id(body)
        if client is not None and user_id:
            await client.chat_postMessage(channel=user_id, text=text)
    except Exception as exc:
        log.warning("request %s: could not tell the user (%s)", ref, type(exc).__name__)


class KeptAck(AsyncAck):
    """An ack that, once given, stays given.

    When a listener raises after `ack()`, Bolt runs the error handler and then sets the ack's
    response back to None; if that happens before Bolt's dispatcher has looked at the ack (it
    polls every 10 ms), Slack gets HTTP 404 three seconds later instead of the ack it was given.
    """

    def __init__(self) -> None:
        self._kept: BoltResponse | None = None

    @property  # type: ignore[override]
    def response(self) -> BoltResponse | None:
        return self._kept

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None or self._kept is None:
            self._kept = value


def _has_response_url(body: dict[str, Any]) -> bool:
    return bool(body.get("response_url") or body.get("response_urls"))


def _user_id(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "") or None
    return str(body.get("user_id") or "") or None


def _first_input_block(body: dict[str, Any]) -> str | None:
    view = body.get("view") or {}
    for block in view.get("blocks", []):
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


def _plain(text: str) -> str:
    """Field errors are plain text: drop the emoji code in front and code marks, read entities back."""
    text = text.split(" ", 1)[1] if text.startswith(":") else text
    return mrkdwn.unescape(text.replace("`", ""))
