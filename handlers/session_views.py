"""How sessions read in Slack: list sections and the full description of one.

Times go out as Slack's `<!date^…>` tokens so every reader sees them in their own time zone; the
fallback (for clients that cannot format dates) is UTC. Every piece of user text is escaped.
"""

from __future__ import annotations

from typing import Any

from domain import mrkdwn
from domain.services.session_rows import SessionView, seats, span
from domain.services.sessions import MySeat, SessionPage

# A section and a divider each: 20 sessions and a header stay under Slack's 50 blocks.
LIST_PAGE = 20


def number(view: SessionView) -> str:
    """The session's number, which `/vilt session show` takes."""
    return f"#{view.id}"


def where(view: SessionView) -> str:
    """The location, its kind, and whether it is inactive."""
    inactive = " (inactive)" if not view.location_active else ""
    return f"{mrkdwn.bold(view.location_name)} · {view.location_kind.label}{inactive}"


def session_section(
    view: SessionView, *, for_admins: bool, viewer: str = "", seat: MySeat | None = None
) -> list[dict[str, Any]]:
    """One session in a list: title and number, where, who teaches, when (and its status).

    Learners get a Register button, unless `viewer` (who reads the list) teaches the session or
    holds `seat` on it: then a line says so (with the join link when known).
    """
    lines = [
        f"{mrkdwn.bold(view.element_title)} · session `{number(view)}`",
        where(view),
        f"Instructor: {mrkdwn.user(view.instructor_id)}",
        span(view),
    ]
    if for_admins:
        lines.append(f"Status: {view.status.value} · {seats(view)}")
    mine = "" if for_admins else _my_part(view, viewer, seat)
    if mine:
        lines.append(mine)
    section: dict[str, Any] = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]},
    }
    if not for_admins and not mine:
        section["accessory"] = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Register"},
            "action_id": REGISTER_ACTION,
            "value": str(view.id),
        }
    return [section, {"type": "divider"}]


def _my_part(view: SessionView, viewer: str, seat: MySeat | None) -> str:
    """What the viewer has to do with the session, when not simply registering."""
    if viewer and view.instructor_id == viewer:
        return "You teach this session"
    if seat is None:
        return ""
    if seat.queued:
        return ":hourglass_flowing_sand: Your registration is queued; I tell you when GoTo has it"
    if seat.join_url:
        return f":white_check_mark: You are registered · {mrkdwn.link(seat.join_url, 'join link')}"
    return ":white_check_mark: You are registered"


def count(total: int) -> str:
    """ "1 upcoming session", "2 upcoming sessions"."""
    return f"{total} upcoming session{'s' if total != 1 else ''}"


def list_message(
    page: SessionPage, *, header: str, for_admins: bool, hint: str, viewer: str = ""
) -> tuple[str, list[dict[str, Any]]]:
    """A page of sessions: a heading (and how many more), then one section each.

    `header` is mrkdwn, shown as given (its parts bold already where they should be).
    """
    more = (
        f"\n…and {page.total - len(page.views)} more; {hint}"
        if page.total > len(page.views)
        else ""
    )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{header}{more}"}}
    ]
    for view in page.views:
        blocks += session_section(
            view, for_admins=for_admins, viewer=viewer, seat=page.seats.get(view.id)
        )
    return header + more, blocks


def show_message(view: SessionView) -> tuple[str, list[dict[str, Any]]]:
    """Every field of one session."""
    lines = [
        f"*{mrkdwn.escape(view.element_title)}* · session `{number(view)}` · "
        f"team {mrkdwn.bold(view.team)}",
        f"Location: {where(view)}",
        f"Instructor: {mrkdwn.user(view.instructor_id)}",
        f"When: {span(view)}",
        f"Time zone: {mrkdwn.escape(view.timezone)} (the times above are shown in yours)",
        "Max learners: "
        + (f"{view.max_learners:,}" if view.max_learners is not None else "no limit of its own")
        + (
            f" (the location takes {view.location_max_learners:,})"
            if view.location_max_learners is not None
            else ""
        ),
        f"Registrations: {view.registered}"
        + (f" of {view.capacity}" if view.capacity is not None else ""),
    ]
    if view.goto_event_key:
        product = view.goto_product or view.location_kind
        lines.append(f"GoTo: {product.label} {mrkdwn.code(view.goto_event_key)}")
    lines += [
        f"Tracking: complete when the learner {view.tracking.label}",
        f"Status: {view.status.value}",
    ]
    text = f"{mrkdwn.escape(view.element_title)} (session {number(view)})"
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}}
    return text, [section]


# Buttons on sessions (App Home, lists, alerts) and the listeners that answer them share these ids.
REGISTER_ACTION = "session_register"
REGISTER_PEOPLE_ACTION = "session_register_people"
