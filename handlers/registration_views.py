"""How registering reads in Slack: the "Register people" modal and its report.

Every piece of user text is escaped; people are named by mention.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from domain import mrkdwn
from domain.services.registration import ManagedSession, Outcome, Registration

PEOPLE_CALLBACK = "register_people"
PEOPLE_TITLE = "Register people"
# The modal shown instead of the form when it cannot be used (not an admin, session started).
PEOPLE_PROBLEM_CALLBACK = "register_people_problem"
# A section holds at most 3,000 characters; a message at most 50 blocks.
_SECTION_CHARS = 2900
_MAX_SECTIONS = 45


def people_modal(session_id: int, title: str) -> dict[str, Any]:
    """Pick people, a channel whose members all register, or both."""
    about = (
        f"Register people for {mrkdwn.bold(title)} (session `#{session_id}`). GoTo registers each "
        "person with the name and email of their Slack profile; I send you one line per person."
    )
    return {
        "type": "modal",
        "callback_id": PEOPLE_CALLBACK,
        "private_metadata": json.dumps({"session_id": session_id}),
        "title": {"type": "plain_text", "text": PEOPLE_TITLE},
        "submit": {"type": "plain_text", "text": "Register"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": about[:3000]}},
            {
                "type": "input",
                "block_id": "people",
                "optional": True,
                "label": {"type": "plain_text", "text": "People"},
                "element": {
                    "type": "multi_users_select",
                    "action_id": "people",
                    "placeholder": {"type": "plain_text", "text": "Choose people"},
                },
            },
            {
                "type": "input",
                "block_id": "channel",
                "optional": True,
                "label": {"type": "plain_text", "text": "Everyone in a channel"},
                "hint": {
                    "type": "plain_text",
                    "text": "Every member of the channel is registered too, e.g. #onboarding.",
                },
                "element": {
                    "type": "conversations_select",
                    "action_id": "channel",
                    "placeholder": {"type": "plain_text", "text": "Choose a channel"},
                    "filter": {"include": ["public", "private"], "exclude_bot_users": True},
                },
            },
        ],
    }


def session_of(view: dict[str, Any]) -> int | None:
    """The session a submitted modal was opened for."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        number = meta.get("session_id") if isinstance(meta, dict) else None
    except ValueError:
        return None
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def chosen(view: dict[str, Any]) -> tuple[list[str], str | None]:
    """The people and the channel picked in the modal."""
    values = (view.get("state") or {}).get("values") or {}
    people = (values.get("people") or {}).get("people") or {}
    channel = (values.get("channel") or {}).get("channel") or {}
    users = [str(u) for u in people.get("selected_users") or [] if u]
    picked = channel.get("selected_conversation")
    return users, str(picked) if picked else None


def about(session: ManagedSession) -> str:
    """The session in Register people's messages: title, number and start (reader's zone)."""
    when = mrkdwn.date(session.starts_at, "{date_short_pretty} {time}")
    return f"{mrkdwn.bold(session.title)} (session `#{session.session_id}`, {when})"


def progress_text(session: ManagedSession, total: int, done: int) -> str:
    """The message while people are registered."""
    noun = "person" if total == 1 else "people"
    return (
        f":hourglass_flowing_sand: Registering {total} {noun} for {about(session)}… "
        f"{done} of {total} done."
    )


_LABELS = {
    Outcome.REGISTERED: "registered",
    Outcome.ALREADY: "already registered",
    Outcome.QUEUED: "queued",
    Outcome.FULL: "full",
    Outcome.NEEDS_FIELDS: "failed",
    Outcome.FAILED: "failed",
}


def person_line(result: Registration) -> str:
    """One person's line: who, and what happened (and why, when it did not simply work)."""
    label = _LABELS[result.outcome]
    reason = f": {result.reason}" if result.reason else ""
    return f"• {mrkdwn.user(result.user_id)} — {label}{reason}"


def report(
    session: ManagedSession, results: Sequence[Registration], notes: Sequence[str] = ()
) -> tuple[str, list[dict[str, Any]]]:
    """The finished message: a count per outcome, then one line per person."""
    counts = Counter(_LABELS[r.outcome] for r in results)
    order = ("registered", "already registered", "queued", "full", "failed")
    tally = ", ".join(f"{counts[label]} {label}" for label in order if counts[label])
    noun = "person" if len(results) == 1 else "people"
    head = f"Registering {len(results)} {noun} for {about(session)} is done" + (
        f": {tally}." if tally else "."
    )
    if any(r.outcome is Outcome.QUEUED for r in results):
        head += " Queued people are registered as soon as GoTo takes them; I tell each of them."
    lines = [*notes, *(person_line(r) for r in results)]
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": head}}]
    chunk: list[str] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) + 1 > _SECTION_CHARS:
            blocks.append(_section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line[:_SECTION_CHARS])
        size += len(line) + 1
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    if len(blocks) > _MAX_SECTIONS:
        left = len(blocks) - _MAX_SECTIONS + 1
        blocks = [*blocks[: _MAX_SECTIONS - 1], _section(f"…and {left} more sections of lines.")]
    return head, blocks


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
