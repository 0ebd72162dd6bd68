"""Block Kit for the session modal (`/vilt session new|edit`) and the cancel confirmation.

Block ids are the field names of domain.session_rules.FIELDS (plus `goto_create`), so field
errors land under their fields. Choosing a GoTo location rebuilds the modal with the GoTo
fields: the event picker (options come from GoTo as the admin types), creating a new event, and
the tracking rule.
"""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DateTimePickerElement,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from domain.limits import ELEMENT_TITLE_MAX, MAX_LEARNERS_MAX, MAX_LEARNERS_TEXT_MAX
from domain.models import LearningElement, Location, LocationKind, TrackingRule
from domain.ports import EventFacts
from domain.session_rules import SessionForm, event_noun, key_hint, parse_event_key
from handlers import modals

CALLBACK_ID = "session_form"
PROBLEM_CALLBACK_ID = "session_problem"
LOCATION_ACTION = "session_location_selected"
GOTO_EVENT_ACTION = "session_goto_event"
TIMEZONE_ACTION = "session_timezone"
CANCEL_ACTION = "session_cancel_confirmed"
VALUE = "value"  # the action_id of every other input; block_ids carry the field names
CREATE_VALUE = "create"
# Slack shows at most 100 options in a select, each at most 75 characters long.
OPTIONS_MAX = 100
OPTION_TEXT_MAX = 75

FIELD_LABELS = {
    "element": "Learning element",
    "new_element": "Or add a new learning element",
    "location": "Location",
    "instructor": "Instructor",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "timezone": "Time zone",
    "max_learners": "Max learners",
    "goto_event": "GoTo event",
    "goto_create": "Or create the event",
    "tracking": "Complete when the learner",
}


@dataclass
class SessionModalMeta:
    """What the modal carries between Slack round trips."""

    session_id: int | None = None
    location_id: int | None = None
    response_url: str | None = None

    def dump(self) -> str:
        """Serialise for private_metadata (3,000 characters at most)."""
        data = {"s": self.session_id, "l": self.location_id, "r": self.response_url}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str | None) -> SessionModalMeta:
        """Read private_metadata back; anything unreadable is an empty one."""
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()

        def number(key: str) -> int | None:
            value = data.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        url = data.get("r")
        return cls(number("s"), number("l"), url if isinstance(url, str) else None)


def title(meta: SessionModalMeta) -> str:
    """The modal's title: new or edit."""
    return "Edit session" if meta.session_id is not None else "New session"


def _option(text: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=_cut(text, OPTION_TEXT_MAX)), value=value)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def session_modal(
    *,
    form: SessionForm,
    create_event: bool,
    elements: Sequence[LearningElement],
    locations: Sequence[Location],
    meta: SessionModalMeta,
    team_name: str,
    event_label: str | None = None,
) -> dict[str, Any]:
    """The create/edit modal; a GoTo location adds the event picker, creation and tracking."""
    location = next((loc for loc in locations if loc.id == form.location_id), None)
    meta.location_id = location.id if location is not None else None
    kind = location.kind if location is not None else None
    editing = meta.session_id is not None
    blocks: list[Block] = []
    element_options = [_option(e.title, str(e.id)) for e in elements[:OPTIONS_MAX]]
    if element_options:
        blocks.append(
            InputBlock(
                block_id="element",
                label=FIELD_LABELS["element"],
                optional=not editing,
                element=StaticSelectElement(
                    action_id=VALUE,
                    placeholder=f"Team {team_name}'s catalog"[:150],
                    options=element_options,
                    initial_option=next(
                        (o for o in element_options if o.value == str(form.element_id)), None
                    ),
                ),
            )
        )
    if not editing:
        blocks.append(
            InputBlock(
                block_id="new_element",
                label=FIELD_LABELS["new_element"],
                optional=bool(element_options),
                element=PlainTextInputElement(
                    action_id=VALUE,
                    initial_value=form.new_element or None,
                    placeholder="Its title",
                    max_length=ELEMENT_TITLE_MAX,
                ),
                hint=f"Used when no element is chosen above: it joins team {team_name}'s "
                "catalog when the session is saved."[:2000],
            )
        )
    location_options = [
        _option(f"{loc.name} · {loc.kind.label}", str(loc.id)) for loc in locations[:OPTIONS_MAX]
    ]
    blocks += [
        InputBlock(
            block_id="location",
            label=FIELD_LABELS["location"],
            dispatch_action=True,
            element=StaticSelectElement(
                action_id=LOCATION_ACTION,
                placeholder="Where it takes place",
                options=location_options,
                initial_option=next(
                    (o for o in location_options if o.value == str(form.location_id)), None
                ),
            ),
            hint=f"Active locations available to team {team_name}.",
        ),
        InputBlock(
            block_id="instructor",
            label=FIELD_LABELS["instructor"],
            element=UserSelectElement(
                action_id=VALUE,
                placeholder="Who teaches it",
                initial_user=form.instructor_id or None,
            ),
        ),
    ]
    blank_hint = (
        f"Leave blank to take the time of GoTo's {event_noun(kind)}."
        if kind is not None and kind.is_goto
        else None
    )
    for name, value in (("starts_at", form.starts_at), ("ends_at", form.ends_at)):
        blocks.append(
            InputBlock(
                block_id=name,
                label=FIELD_LABELS[name],
                optional=kind is not None and kind.is_goto,
                element=DateTimePickerElement(
                    action_id=VALUE,
                    initial_date_time=int(value.timestamp()) if value is not None else None,
                ),
                hint=blank_hint,
            )
        )
    zone = form.timezone or "UTC"
    blocks += [
        InputBlock(
            block_id="timezone",
            label=FIELD_LABELS["timezone"],
            element=ExternalDataSelectElement(
                action_id=TIMEZONE_ACTION,
                placeholder="Type a city or region, e.g. Berlin",
                initial_option=_option(zone, zone),
                min_query_length=0,
            ),
            hint="The session's own time zone; everyone sees its times in theirs.",
        ),
        InputBlock(
            block_id="max_learners",
            label=FIELD_LABELS["max_learners"],
            optional=True,
            element=PlainTextInputElement(
                action_id=VALUE,
                initial_value=form.max_learners or None,
                placeholder="e.g. 20",
                max_length=MAX_LEARNERS_TEXT_MAX,
            ),
            hint=(
                f"At most {location.max_learners:,}, the location's limit; empty means that."
                if location is not None and location.max_learners
                else f"At most {MAX_LEARNERS_MAX:,}; empty means no limit."
            ),
        ),
    ]
    if kind is not None and kind.is_goto:
        blocks += _goto_blocks(kind, form, create_event, event_label)
    return View(
        type="modal",
        callback_id=CALLBACK_ID,
        title=PlainTextObject(text=title(meta)),
        submit=PlainTextObject(text="Save" if editing else "Schedule"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=meta.dump(),
        blocks=blocks,
    ).to_dict()


def _goto_blocks(
    kind: LocationKind, form: SessionForm, create_event: bool, event_label: str | None
) -> list[Block]:
    noun = event_noun(kind)
    key = form.goto_event.strip()
    create = _option(f"Create a new {noun} on GoTo for this session", CREATE_VALUE)
    trackings = [_option("attended", TrackingRule.ATTENDED.value)]
    if kind is LocationKind.GOTOWEBINAR:
        trackings.append(_option("answered every poll", TrackingRule.ALL_POLLS_ANSWERED.value))
    return [
        InputBlock(
            block_id="goto_event",
            label=f"{kind.label} {noun}",
            optional=True,
            element=ExternalDataSelectElement(
                action_id=GOTO_EVENT_ACTION,
                placeholder="Type its subject or the digits of its key",
                initial_option=_option(event_label or key, key) if key else None,
                min_query_length=0,
            ),
            hint=f"Upcoming {noun}s of the linked account; or type its key: {key_hint(kind)}.",
        ),
        InputBlock(
            block_id="goto_create",
            label=FIELD_LABELS["goto_create"],
            optional=True,
            element=CheckboxesElement(
                action_id=VALUE,
                options=[create],
                initial_options=[create] if create_event else None,
            ),
            hint="GoTo gets the element's title as subject and the times above (both needed).",
        ),
        InputBlock(
            block_id="tracking",
            label=FIELD_LABELS["tracking"],
            element=RadioButtonsElement(
                action_id=VALUE,
                options=trackings,
                initial_option=next(
                    (o for o in trackings if o.value == form.tracking), trackings[0]
                ),
            ),
        ),
    ]


def loading_modal(meta: SessionModalMeta) -> dict[str, Any]:
    """Opened at once so the trigger id does not expire while data loads."""
    return modals.loading_modal(title(meta), PROBLEM_CALLBACK_ID)


def problem_modal(meta: SessionModalMeta, message: str) -> dict[str, Any]:
    """Shown instead of the form when there is none to show; it can only be closed."""
    return modals.problem_modal(title(meta), message, PROBLEM_CALLBACK_ID)


def form_from_state(values: dict[str, dict[str, dict[str, Any]]]) -> tuple[SessionForm, bool]:
    """The modal's state read back: the form, and whether to create the GoTo event."""

    def element(block: str) -> dict[str, Any]:
        actions = values.get(block) or {}
        found = next(iter(actions.values()), {})
        return found if isinstance(found, dict) else {}

    def text(block: str) -> str:
        return str(element(block).get("value") or "")

    def selected(block: str) -> str:
        option = element(block).get("selected_option")
        return str(option.get("value") or "") if isinstance(option, dict) else ""

    def number(block: str) -> int | None:
        value = selected(block)
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None

    def moment(block: str) -> datetime | None:
        value = element(block).get("selected_date_time")
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**33:
            return datetime.fromtimestamp(value, UTC)
        return None

    chosen = element("goto_create").get("selected_options") or []
    create = any(isinstance(o, dict) and o.get("value") == CREATE_VALUE for o in chosen)
    form = SessionForm(
        element_id=number("element"),
        new_element=text("new_element"),
        location_id=number("location"),
        instructor_id=str(element("instructor").get("selected_user") or ""),
        starts_at=moment("starts_at"),
        ends_at=moment("ends_at"),
        timezone=selected("timezone"),
        max_learners=text("max_learners"),
        goto_event=selected("goto_event"),
        tracking=selected("tracking") or TrackingRule.ATTENDED.value,
    )
    return form, create


def event_options(events: Sequence[EventFacts], query: str, kind: LocationKind) -> list[Option]:
    """The event picker's options: "subject · date · key", and the typed digits as a key when
    no listed key holds them (GoTo checks it on submit)."""
    options = [_option(event_label(e), e.key) for e in events]
    typed = "".join(query.split()).replace("-", "")
    key, problem = parse_event_key(typed, kind)
    if key is not None and problem is None and all(key not in e.key for e in events):
        options.insert(0, _option(f"Use key {key} (checked when you save)", key))
    return options[:OPTIONS_MAX]


def event_label(event: EventFacts) -> str:
    """ "subject · date · key", the subject cut so that the key always shows."""
    return label_of(event.subject, event.starts_at, event.timezone, event.key)


def label_of(subject: str, starts_at: datetime | None, timezone: str | None, key: str) -> str:
    """An event option's text from its parts: also a saved session's event, labelled with the
    session's title and start when the modal opens without asking GoTo."""
    when = ""
    if starts_at is not None:
        zone = _zone(timezone)
        start = starts_at.astimezone(zone)
        when = f" · {start:%a %d %b %Y %H:%M} {start.tzname() or ''}".rstrip()
    tail = f"{when} · {key}"
    room = max(OPTION_TEXT_MAX - len(tail), 10)
    return _cut(subject or "(no subject)", room) + tail


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def no_event_option(message: str) -> list[Option]:
    """One option that says why there are none (choosing it is refused on submit)."""
    return [_option(message, "-")]


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def timezone_options(query: str) -> list[Option]:
    """IANA time zones matching what the admin typed (any part, spaces as underscores)."""
    wanted = query.strip().casefold().replace(" ", "_")
    found = [z for z in _zones() if wanted in z.casefold()]
    return [_option(z, z) for z in found[:OPTIONS_MAX]]


def cancel_prompt(
    session_id: int, summary: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """The message asking to confirm a cancellation: the session, and a button with a confirm."""
    text = f"Cancel session `#{session_id}`? Its registered learners are told."
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*{text}*")),
        ActionsBlock(
            block_id="cancel_session",
            elements=[
                ButtonElement(
                    action_id=CANCEL_ACTION,
                    text="Cancel this session",
                    value=str(session_id),
                    style="danger",
                    confirm=ConfirmObject(
                        title="Cancel the session?",
                        text="The session is cancelled and every registered learner is told "
                        "by DM. This cannot be undone.",
                        confirm="Yes, cancel it",
                        deny="Keep it",
                        style="danger",
                    ),
                )
            ],
        ),
    ]
    first, button = (b.to_dict() for b in blocks)
    return text, [first, *summary, button]


def notes_context(notes: Sequence[str]) -> list[dict[str, Any]]:
    """The notes about GoTo under a saved session's summary."""
    if not notes:
        return []
    lines = "\n".join(f":information_source: {n}" for n in notes)
    return [ContextBlock(elements=[MarkdownTextObject(text=lines[:3000])]).to_dict()]
