"""Pure policies for sessions: what a session form must hold (PRODUCT.md rules 3, 4 and 6).

Errors are keyed by the block ids of the session modal, so the modal shows each next to its
field: `element`, `location`, `instructor`, `starts_at`, `ends_at`, `timezone`, `max_learners`,
`goto_event`, `tracking`. Messages are mrkdwn (user text escaped), like every DomainError's.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from domain import mrkdwn
from domain.limits import (
    GOTO_EVENT_KEY_MAX,
    MAX_LEARNERS_MAX,
    MAX_LEARNERS_MIN,
    MAX_LEARNERS_TEXT_MAX,
    SLACK_ID_MAX,
    TIMEZONE_MAX,
)
from domain.models import LearningElement, Location, LocationKind, TrackingRule

# The session modal's block ids, in the order the modal shows them.
FIELDS = (
    "element",
    "new_element",
    "location",
    "instructor",
    "starts_at",
    "ends_at",
    "timezone",
    "max_learners",
    "goto_event",
    "tracking",
)
_USER_ID = re.compile(rf"^[UW][A-Z0-9]{{2,{SLACK_ID_MAX - 1}}}$")


@dataclass
class SessionForm:
    """What an admin chose in the session modal (raw strings where typing happens).

    Times are timezone-aware (Slack's datetimepicker sends a Unix timestamp); at a GoTo location
    either may be left blank, to be taken from GoTo's event.
    """

    element_id: int | None = None
    # The title of a learning element to add to the catalog, when no element is chosen.
    new_element: str = ""
    location_id: int | None = None
    instructor_id: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    timezone: str = ""
    max_learners: str = ""
    goto_event: str = ""
    tracking: str = TrackingRule.ATTENDED.value


@dataclass(frozen=True)
class CleanSession:
    """A validated session form; times may still be blank at a GoTo location."""

    element_id: int
    location_id: int
    instructor_id: str
    starts_at: datetime | None
    ends_at: datetime | None
    timezone: str
    max_learners: int | None
    goto_product: LocationKind | None
    goto_event_key: str | None
    tracking: TrackingRule


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_timezone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows (e.g. `Europe/Berlin`)."""
    return len(name) <= TIMEZONE_MAX and name in _zones()


def event_noun(kind: LocationKind) -> str:
    """What a GoTo product calls its events."""
    return "training" if kind is LocationKind.GOTOTRAINING else "webinar"


def key_hint(kind: LocationKind) -> str:
    """Where to find a GoTo key."""
    noun = event_noun(kind)
    return f"the digits of the {noun}'s URL, not the registration URL"


def validate_session(
    form: SessionForm,
    *,
    element: LearningElement | None,
    location: Location | None,
    location_team_ids: Set[int],
    active_team_id: int,
    now: datetime,
    create_event: bool = False,
    saved_start: datetime | None = None,
) -> tuple[CleanSession | None, dict[str, str]]:
    """Check every field of the form; return the clean form or errors keyed by block id.

    `element` and `location` are the rows the form chose (None when missing or of another
    workspace); `location_team_ids` is the location's team availability (`active_team_id` is
    the team scheduling: the active one, or the owner of an edited session's element).
    With `create_event` the GoTo event is to be created, so no key is entered and both times
    are needed. `saved_start` is an edited session's start: keeping it is not judged as passed.
    """
    errors: dict[str, str] = {}
    if element is None or element.owner_team_id != active_team_id:
        errors["element"] = "Choose a learning element of your active team."
    if location is None:
        errors["location"] = "Choose a location."
    elif not location.active:
        errors["location"] = f"{mrkdwn.bold(location.name)} is inactive; choose an active location."
    elif active_team_id not in location_team_ids:
        errors["location"] = (
            f"{mrkdwn.bold(location.name)} is not available to your active team; "
            "choose one of its locations."
        )
    kind = location.kind if location is not None else LocationKind.CLASSROOM
    instructor = form.instructor_id.strip()
    if not instructor:
        errors["instructor"] = "Choose the instructor: every session has one."
    elif not _USER_ID.match(instructor):
        errors["instructor"] = "Choose the instructor from Slack's list of people."
    blank_allowed = kind.is_goto and not create_event
    for name, value in (("starts_at", form.starts_at), ("ends_at", form.ends_at)):
        if value is None and not blank_allowed:
            errors[name] = (
                "Choose when the session starts."
                if name == "starts_at"
                else ("Choose when the session ends.")
            )
    errors.update(
        time_errors(
            form.starts_at,
            form.ends_at,
            now=now if saved_start is None or form.starts_at != saved_start else None,
        )
    )
    zone = form.timezone.strip()
    if not zone:
        errors["timezone"] = "Choose the session's time zone."
    elif not is_timezone(zone):
        errors["timezone"] = (
            f"{mrkdwn.code(zone)} is not a time zone; choose one such as Europe/Berlin or "
            "America/New_York."
        )
    limit = (location.max_learners if location is not None else None) or MAX_LEARNERS_MAX
    max_learners, problem = parse_max_learners(form.max_learners, limit)
    if problem:
        errors["max_learners"] = problem
    event_key: str | None = None
    if kind.is_goto and create_event:
        if form.goto_event.strip():
            errors["goto_event"] = (
                f"Choose an existing {event_noun(kind)} or create a new one, not both: clear "
                f"this field, or untick creating a {event_noun(kind)}."
            )
    elif kind.is_goto:
        event_key, problem = parse_event_key(form.goto_event, kind)
        if problem:
            errors["goto_event"] = problem
    try:
        tracking = TrackingRule(form.tracking.strip() or TrackingRule.ATTENDED.value)
    except ValueError:
        errors["tracking"] = "Choose when a learner completes: attended, or answered every poll."
        tracking = TrackingRule.ATTENDED
    if (
        tracking is TrackingRule.ALL_POLLS_ANSWERED
        and location is not None
        and kind is not LocationKind.GOTOWEBINAR
    ):
        errors["tracking"] = (
            "Only GoToWebinar sessions can require every poll answered; "
            f"{mrkdwn.bold(location.name)} is a {kind.label} location."
        )
    if errors:
        return None, errors
    assert element is not None and element.id is not None
    assert location is not None and location.id is not None
    return (
        CleanSession(
            element_id=element.id,
            location_id=location.id,
            instructor_id=instructor,
            starts_at=form.starts_at,
            ends_at=form.ends_at,
            timezone=zone,
            max_learners=max_learners,
            goto_product=kind if kind.is_goto else None,
            goto_event_key=event_key,
            tracking=tracking,
        ),
        {},
    )


def time_errors(
    starts_at: datetime | None, ends_at: datetime | None, *, now: datetime | None
) -> dict[str, str]:
    """The start lies ahead (unless `now` is None) and the end after it (blanks not judged)."""
    errors: dict[str, str] = {}
    for value in (starts_at, ends_at):
        if value is not None and value.tzinfo is None:
            raise ValueError("session times must be timezone-aware")
    if starts_at is not None and now is not None and starts_at <= now:
        errors["starts_at"] = "That time has passed; choose when the session will start."
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = "The session must end after it starts."
    return errors


def parse_max_learners(raw: str, limit: int) -> tuple[int | None, str | None]:
    """An optional count from 1 to `limit` (the location's, else the product's), or why not."""
    rule = f"Enter a whole number from {MAX_LEARNERS_MIN:,} to {limit:,}, or leave it empty."
    text = raw.strip().replace(",", "").replace("_", "")
    if not text:
        return None, None
    # ASCII digits only ("²" is a digit to str.isdigit), short enough to convert safely.
    if len(raw) > MAX_LEARNERS_TEXT_MAX or not (text.isascii() and text.isdigit()):
        return None, rule
    value = int(text)
    if not MAX_LEARNERS_MIN <= value <= limit:
        return None, rule
    return value, None


def parse_event_key(raw: str, kind: LocationKind) -> tuple[str | None, str | None]:
    """A GoTo event key (digits only) for a location of `kind`, or why not (rule 4)."""
    key = raw.strip()
    if not key:
        return None, f"Enter the {kind.label} key: {key_hint(kind)}."
    if len(key) > GOTO_EVENT_KEY_MAX or not (key.isascii() and key.isdigit()):
        return None, f"A {kind.label} key is digits only: {key_hint(kind)}."
    return key, None


def event_matches(subject: str, key: str, query: str) -> bool:
    """Whether a GoTo event is what the admin typed in the event picker.

    Every word must occur in the subject (any case); typed digits (spaces and dashes ignored)
    also match the key. A blank query matches every event.
    """
    wanted = query.strip().casefold()
    if not wanted:
        return True
    digits = re.sub(r"[\s-]", "", wanted)
    if digits.isascii() and digits.isdigit() and digits in key:
        return True
    text = subject.casefold()
    return all(word in text for word in wanted.split())
