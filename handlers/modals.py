"""Modals that open at once and fill when their data is ready: a trigger_id lives 3 seconds."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from domain.errors import DomainError

log = logging.getLogger(__name__)

# Blocks of a section hold at most 3,000 characters.
_SECTION_MAX = 3000


def loading_modal(title: str, callback_id: str) -> dict[str, Any]:
    """Opened at once so the trigger id does not expire while data loads."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=title),
        close=PlainTextObject(text="Cancel"),
        blocks=[SectionBlock(text=MarkdownTextObject(text=":hourglass_flowing_sand: Loading…"))],
    ).to_dict()


def problem_modal(title: str, message: str, callback_id: str) -> dict[str, Any]:
    """Shown instead of a form when there is none to show; it can only be closed."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=title),
        close=PlainTextObject(text="Close"),
        blocks=[SectionBlock(text=MarkdownTextObject(text=message[:_SECTION_MAX]))],
    ).to_dict()


async def open_loading(
    client: AsyncWebClient, trigger_id: str, title: str, callback_id: str
) -> Any:
    """Open the loading modal; an expired trigger is said plainly."""
    try:
        return await client.views_open(
            trigger_id=trigger_id, view=loading_modal(title, callback_id)
        )
    except SlackApiError as exc:
        if exc.response.get("error") in {"expired_trigger_id", "invalid_trigger_id"}:
            raise DomainError(
                "Slack took too long to open the form. Run the command again."
            ) from exc
        raise


async def fill(
    client: AsyncWebClient,
    opened: Any,
    *,
    title: str,
    problem_callback_id: str,
    request_id: str,
    form: Awaitable[dict[str, Any]],
) -> None:
    """Replace the loading modal with the form, or with why there is none.

    A domain error (no such thing, not yours to change…) is said in the modal the caller is
    looking at; an unexpected one is logged and the modal apologises with the request id.
    """
    try:
        view = await form
    except DomainError as exc:
        view = problem_modal(title, f":warning: {exc.message}", problem_callback_id)
    except Exception:
        log.exception("request %s failed", request_id)
        view = problem_modal(
            title,
            ":boom: Sorry, something went wrong on our side. If it keeps happening, "
            f"give your admin this request id: `{request_id}`.",
            problem_callback_id,
        )
    await client.views_update(view_id=opened["view"]["id"], hash=opened["view"]["hash"], view=view)
