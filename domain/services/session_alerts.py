"""Instructor alerts: a DM to the session's instructor, stored in the outbox and posted once.

Each alert is a `Notice` to the instructor's user id (Slack posts it in the app's DM), with Block
Kit and a text fallback. Times are Slack `<!date>` tokens, so every reader sees their own zone.

Exactly once rests on the notice's dedupe key, which names the event the alert is about, so that
calling an alert again (a retried request, two workers) stores nothing new while a genuinely new
event gets its own key:

- assigned / unassigned: ``alert:<session>:teach:<user>:<n>:assigned`` (or ``:unassigned``), where
  ``n`` counts the alerts that user already had about teaching that session. An assignment is owed
  when the user teaches the session and their latest alert was not "assigned"; an unassignment
  when they no longer teach it and their latest alert was not "unassigned". So A → B → A tells A
  three times (assigned, unassigned, assigned again) and a repeated call tells nobody twice.
- full: ``alert:<session>:full:<n>:<seats>``, ``<seats>`` a digest of who holds the seats. A call
  while the same people fill the session stores nothing; full again after someone left and
  another took the seat is a new alert. Full by GoTo's registration limit (GoTo refused a
  registration as full) shares the key: one alert for the same people, whichever limit was hit.
- cancelled: ``alert:<session>:cancelled`` (a cancelled session is never rescheduled).
- reminders: ``alert:<session>:reminder:<24h|1h>:<start>:<instructor>``, ``<start>`` the start as
  epoch seconds: a rescheduled session or a new instructor is reminded again, for the new time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from domain import mrkdwn
from domain.errors import NotFound
from domain.models import Enrollment, Notice, Session, SessionStatus
from domain.ports import UnitOfWork
from domain.services.notices import enqueue_new_notices
from domain.services.session_rows import (
    SEATED,
    SessionView,
    by_id,
    seats,
    span,
    view_of,
    views_query,
)

# Reminders go out this long before a session starts; a session that is already closer to its
# start than the later one when first seen gets only that one.
DAY_BEFORE = timedelta(hours=24)
HOUR_BEFORE = timedelta(hours=1)
# Within this of its start a session gets no day-before reminder: the hour-before one is near.
DAY_REMINDER_CUTOFF = timedelta(hours=2)

# Alerts name the day in full ("Monday, December 7th").
LONG_DAY = "{date_long_pretty}"

ASSIGNED = "assigned"
UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class _About:
    """The session an alert is about."""

    workspace_id: str
    view: SessionView


async def instructor_assigned(
    uow: UnitOfWork, session_id: int, *, by_user_id: str
) -> Notice | None:
    """Tell the session's instructor they teach it (after it was scheduled, or they replaced
    someone). Returns the stored notice, or None when they were already told."""
    about = await _about(uow, session_id)
    teacher = about.view.instructor_id
    history = await _teaching_history(uow, session_id, teacher)
    if history and history[-1] == ASSIGNED:
        return None
    view = about.view
    headline = (
        f"You are teaching {mrkdwn.bold(view.element_title)} at {mrkdwn.bold(view.location_name)}"
    )
    lines = [
        f"{headline} · {view.location_kind.label}",
        span(view, LONG_DAY),
        f"Session `#{view.id}` · {seats(view)} · assigned by {mrkdwn.user(by_user_id)}",
    ]
    text = f"{headline}, {span(view, LONG_DAY)} (session #{view.id}, {seats(view)})."
    return await _store(
        uow,
        about,
        kind="session_assigned",
        to=teacher,
        key=_teaching_key(session_id, teacher, len(history), ASSIGNED),
        text=text,
        lines=lines,
    )


async def instructor_unassigned(
    uow: UnitOfWork, session_id: int, previous_instructor_id: str
) -> Notice | None:
    """Tell someone who no longer teaches the session so, naming who does now. Returns the
    stored notice, or None when they still teach it or were already told."""
    about = await _about(uow, session_id)
    view = about.view
    if view.instructor_id == previous_instructor_id:
        return None
    history = await _teaching_history(uow, session_id, previous_instructor_id)
    if history and history[-1] == UNASSIGNED:
        return None
    headline = (
        f"You no longer teach {mrkdwn.bold(view.element_title)} at "
        f"{mrkdwn.bold(view.location_name)}"
    )
    lines = [
        f"{headline} · {view.location_kind.label}",
        span(view, LONG_DAY),
        f"Session `#{view.id}` · {mrkdwn.user(view.instructor_id)} teaches it now",
    ]
    text = (
        f"{headline}, {span(view, LONG_DAY)} (session #{view.id}); "
        f"{mrkdwn.user(view.instructor_id)} teaches it now."
    )
    return await _store(
        uow,
        about,
        kind="session_unassigned",
        to=previous_instructor_id,
        key=_teaching_key(session_id, previous_instructor_id, len(history), UNASSIGNED),
        text=text,
        lines=lines,
    )


async def session_full(
    uow: UnitOfWork, session_id: int, *, full_on_goto: bool = False
) -> Notice | None:
    """Tell the instructor the session reached its capacity (the tighter of its own and its
    location's limit), or, with `full_on_goto`, that GoTo refused a registration because its
    event's registration limit is reached. Returns the stored notice, or None when it is not
    full (or has no limit), is cancelled, or the instructor was already told about these same
    people."""
    about = await _about(uow, session_id)
    view = about.view
    capacity = view.capacity
    if view.status is not SessionStatus.SCHEDULED:
        return None
    at_capacity = capacity is not None and view.registered >= capacity
    if not (at_capacity or full_on_goto):
        return None
    seats = await _seat_digest(uow, session_id)
    prefix = f"alert:{session_id}:full:"
    earlier = await _keys_starting(uow, prefix)
    if earlier and earlier[-1].endswith(f":{seats}"):
        return None
    headline = f"{mrkdwn.bold(view.element_title)} at {mrkdwn.bold(view.location_name)} is full"
    if at_capacity:
        count = f"{view.registered} registered of {capacity}"
    else:
        count = (
            f"GoTo's registration limit for the event is reached ({view.registered} "
            "registered through Slack)"
        )
    lines = [
        f"{headline}: {count}",
        span(view, LONG_DAY),
        f"Session `#{view.id}` · you are teaching it",
    ]
    text = f"{headline}: {count} (session #{view.id}, {span(view, LONG_DAY)})."
    return await _store(
        uow,
        about,
        kind="session_full",
        to=view.instructor_id,
        key=f"{prefix}{len(earlier)}:{seats}",
        text=text,
        lines=lines,
    )


async def session_cancelled(uow: UnitOfWork, session_id: int, *, by_user_id: str) -> Notice | None:
    """Tell the instructor the session they teach is cancelled. Returns the stored notice, or
    None when the session is not cancelled."""
    about = await _about(uow, session_id)
    view = about.view
    if view.status is not SessionStatus.CANCELLED:
        return None
    headline = (
        f"{mrkdwn.bold(view.element_title)} at {mrkdwn.bold(view.location_name)} is cancelled"
    )
    lines = [
        f"{headline} · you were teaching it",
        span(view, LONG_DAY),
        f"Session `#{view.id}` · cancelled by {mrkdwn.user(by_user_id)}",
    ]
    text = f"{headline} (session #{view.id}, {span(view, LONG_DAY)}); you were teaching it."
    return await _store(
        uow,
        about,
        kind="session_cancelled",
        to=view.instructor_id,
        key=f"alert:{session_id}:cancelled",
        text=text,
        lines=lines,
    )


async def queue_reminders(uow: UnitOfWork, now: datetime) -> int:
    """Store the reminders now due: for each scheduled session starting within a day (and more
    than two hours away) the day-before one, within the hour the hour-before one, each with the
    registration count. Returns how many were stored (reminders already stored are skipped).

    One statement reads every session due, one stores all of their reminders, whatever their
    number; safe when two runs overlap.
    """
    rows = await uow.session.execute(
        views_query()
        .where(
            col(Session.status) == SessionStatus.SCHEDULED,
            col(Session.starts_at) > now,
            col(Session.starts_at) <= now + DAY_BEFORE,
        )
        .order_by(col(Session.starts_at), col(Session.id))
    )
    notices = []
    for row in rows.all():
        view = view_of(row)
        if _reminder_due(view, now):
            notices.append(_reminder(row[0].workspace_id, view, now))
    return len(await enqueue_new_notices(uow, notices))


def _reminder_due(view: SessionView, now: datetime) -> bool:
    """Within the hour, or far enough ahead that the day-before reminder is not followed at once
    by the hour-before one."""
    left = view.starts_at - now
    return left <= HOUR_BEFORE or left > DAY_REMINDER_CUTOFF


def _reminder(workspace_id: str, view: SessionView, now: datetime) -> Notice:
    left = view.starts_at - now
    which = "1h" if left <= HOUR_BEFORE else "24h"
    start = int(view.starts_at.timestamp())
    starts = mrkdwn.date(view.starts_at, "{date_short_pretty} at {time}")
    headline = (
        f"Reminder: {mrkdwn.bold(view.element_title)} at {mrkdwn.bold(view.location_name)} "
        f"starts {starts} ({_from_now(left)})"
    )
    lines = [
        headline,
        span(view, LONG_DAY),
        f"Session `#{view.id}` · {seats(view)} · you are teaching it",
    ]
    text = f"{headline}; you are teaching it (session #{view.id}, {seats(view)})."
    return _notice(
        workspace_id,
        kind="session_reminder",
        to=view.instructor_id,
        key=f"alert:{view.id}:reminder:{which}:{start}:{view.instructor_id}",
        text=text,
        blocks=_blocks(lines, view),
    )


async def _about(uow: UnitOfWork, session_id: int) -> _About:
    rows = await uow.session.execute(views_query().where(by_id(session_id)))
    row = rows.first()
    if row is None:
        raise NotFound("There is no such session.")
    return _About(row[0].workspace_id, view_of(row))


async def _teaching_history(uow: UnitOfWork, session_id: int, user_id: str) -> list[str]:
    """Which teaching alerts the user had about the session, oldest first."""
    keys = await _keys_starting(uow, f"alert:{session_id}:teach:{user_id}:")
    return [key.rsplit(":", 1)[1] for key in keys]


def _teaching_key(session_id: int, user_id: str, n: int, what: str) -> str:
    return f"alert:{session_id}:teach:{user_id}:{n}:{what}"


async def _keys_starting(uow: UnitOfWork, prefix: str) -> list[str]:
    """Stored dedupe keys that start with `prefix` and then a sequence number, by that number."""
    rows = await uow.session.execute(
        select(Notice.dedupe_key).where(col(Notice.dedupe_key).startswith(prefix, autoescape=True))
    )
    keys = [str(key) for (key,) in rows.all()]
    return sorted(keys, key=lambda key: int(key[len(prefix) :].split(":", 1)[0]))


async def _seat_digest(uow: UnitOfWork, session_id: int) -> str:
    """A short digest of who holds the session's seats."""
    rows = await uow.session.execute(
        select(Enrollment.user_id).where(
            col(Enrollment.session_id) == session_id,
            col(Enrollment.status).in_([s.value for s in SEATED]),
        )
    )
    people = sorted(str(user_id) for (user_id,) in rows.all())
    return hashlib.sha256(",".join(people).encode()).hexdigest()[:16]


async def _store(
    uow: UnitOfWork,
    about: _About,
    *,
    kind: str,
    to: str,
    key: str,
    text: str,
    lines: list[str],
) -> Notice | None:
    """Store the alert unless its key is stored already; the stored notice or None."""
    notice = _notice(
        about.workspace_id, kind=kind, to=to, key=key, text=text, blocks=_blocks(lines, about.view)
    )
    added = await enqueue_new_notices(uow, [notice])
    return added[0] if added else None


def _notice(
    workspace_id: str, *, kind: str, to: str, key: str, text: str, blocks: list[dict[str, Any]]
) -> Notice:
    return Notice(
        workspace_id=workspace_id,
        kind=kind,
        channel=to,
        text=text,
        blocks_json=json.dumps(blocks),
        dedupe_key=key,
    )


def _blocks(lines: list[str], view: SessionView) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"Details: `/vilt session show {view.id}`"}],
        },
    ]


def _from_now(left: timedelta) -> str:
    minutes = round(left.total_seconds() / 60)
    if minutes >= 90:
        return f"in about {round(minutes / 60)} hours"
    if minutes >= 55:
        return "in about an hour"
    return f"in {minutes} minute{'s' if minutes != 1 else ''}"
