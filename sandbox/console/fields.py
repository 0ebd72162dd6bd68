"""The interactive elements of a message or modal as the console's form fields, and back.

The page names each element by its [block_id, action_id], fills it with what was entered (or its
initial value), and a posted form is read back into the view state Slack would send.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import UTC, datetime, tzinfo
from typing import Any

from starlette.datastructures import FormData

from sandbox.console.workspace import PEOPLE, channels
from sandbox.slack.blockkit import interactive_elements
from sandbox.slack.view_state import element_state, empty_state, state_key
from sandbox.slack.web_api import SlackStandIn

REQUIRED = "Please complete this required field."
STATELESS = frozenset({"button", "overflow", "workflow_button"})
SEARCH = "q:"  # the form field of an external select's search box is "q:" + its name
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"  # what an HTML datetime-local input holds
MULTI_KEYS = frozenset(
    {"selected_options", "selected_users", "selected_conversations", "selected_channels"}
)

Draft = tuple[str, str | list[str]]  # (element type, what the person entered)


class Fields:
    """How the page names, fills and labels the interactive elements of a message or view."""

    def __init__(
        self,
        standin: SlackStandIn,
        drafts: dict[tuple[str, str], Draft] | None = None,
        errors: dict[str, str] | None = None,
        suggestions: dict[tuple[str, str], list[Any]] | None = None,
        zone: tzinfo = UTC,
    ) -> None:
        self._standin = standin
        # Date and time pickers show and read times in the reader's zone, as Slack's do.
        self.zone = zone
        self._drafts = drafts or {}
        self._errors = errors or {}
        # The options the bot last answered for each external select (block_suggestion).
        self._suggestions = suggestions or {}

    @staticmethod
    def name(block: dict[str, Any], element: dict[str, Any]) -> str:
        """The form field name: the JSON pair [block_id, action_id]."""
        return json.dumps([str(block.get("block_id", "")), str(element.get("action_id", ""))])

    def dom_id(self, block: dict[str, Any], element: dict[str, Any]) -> str:
        """A stable HTML id for the element (labels point at it)."""
        return dom_id_of(self.name(block, element))

    def _draft(self, block: dict[str, Any], element: dict[str, Any]) -> str | list[str] | None:
        key = (str(block.get("block_id", "")), str(element.get("action_id", "")))
        draft = self._drafts.get(key)
        # Slack keeps what was entered across views.update only while the element stays the same.
        if draft is None or draft[0] != element.get("type"):
            return None
        return draft[1]

    def text(self, block: dict[str, Any], element: dict[str, Any]) -> str:
        """The current text of a text, number, date or time input."""
        draft = self._draft(block, element)
        if isinstance(draft, str):
            return draft
        for key in ("initial_value", "initial_date", "initial_time"):
            if element.get(key) is not None:
                return str(element[key])
        moment = element.get("initial_date_time")
        if isinstance(moment, int) and not isinstance(moment, bool):
            return datetime.fromtimestamp(moment, self.zone).strftime(DATETIME_LOCAL)
        return ""

    @property
    def zone_name(self) -> str:
        """The pickers' time zone as the page names it ("Europe/Oslo", "UTC")."""
        return str(getattr(self.zone, "key", None) or self.zone.tzname(None) or "UTC")

    def query(self, block: dict[str, Any], element: dict[str, Any]) -> str:
        """What was typed in an external select's search box."""
        key = (str(block.get("block_id", "")), SEARCH + str(element.get("action_id", "")))
        draft = self._drafts.get(key)
        return draft[1] if draft is not None and isinstance(draft[1], str) else ""

    def chosen(self, block: dict[str, Any], element: dict[str, Any]) -> list[str]:
        """The values currently picked in a select, checkbox or radio group."""
        draft = self._draft(block, element)
        if draft is not None:
            # A select left on its placeholder posts "": nothing is chosen (not the first option).
            picked = [draft] if isinstance(draft, str) else draft
            return [value for value in picked if value]
        for key in ("initial_option", "initial_options"):
            initial = element.get(key)
            if isinstance(initial, dict):
                return [str(initial.get("value"))]
            if isinstance(initial, list):
                return [str(o.get("value")) for o in initial if isinstance(o, dict)]
        for key in ("initial_user", "initial_conversation", "initial_channel"):
            if element.get(key):
                return [str(element[key])]
        for key in ("initial_users", "initial_conversations", "initial_channels"):
            if isinstance(element.get(key), list):
                return [str(v) for v in element[key]]
        return []

    def option_groups(self, element: dict[str, Any]) -> list[tuple[str | None, list[Any]]]:
        """Options to offer, grouped: (group label or None, [option objects])."""
        kind = str(element.get("type", ""))
        if kind.endswith("users_select"):
            return [(None, [_plain_option(p.real_name, p.id) for p in PEOPLE])]
        if kind.endswith(("conversations_select", "channels_select")):
            return [(None, [_plain_option("#" + c.name, c.id) for c in channels(self._standin)])]
        groups: list[tuple[str | None, list[Any]]] = []
        if kind == "external_select":
            return [(None, self._external_options(element))]
        if element.get("options"):
            groups.append((None, list(element["options"])))
        for group in element.get("option_groups") or []:
            label = (group.get("label") or {}).get("text")
            groups.append((str(label) if label else None, list(group.get("options") or [])))
        return groups

    def _external_options(self, element: dict[str, Any]) -> list[Any]:
        """What an external select offers: the bot's last suggestions, else its initial option."""
        for (_, action_id), options in self._suggestions.items():
            if action_id == element.get("action_id"):
                return options
        initial = element.get("initial_option")
        return [initial] if isinstance(initial, dict) else []

    @staticmethod
    def dispatches(block: dict[str, Any], element: dict[str, Any]) -> bool:
        """Whether changing the element sends block_actions (outside inputs, or dispatch_action)."""
        return block.get("type") != "input" or bool(block.get("dispatch_action"))

    def error(self, block: dict[str, Any]) -> str:
        """The error shown under an input block ("" when none)."""
        return self._errors.get(str(block.get("block_id", "")), "")

    @staticmethod
    def confirm_text(confirm: dict[str, Any]) -> str:
        """The question a confirm dialog asks, as plain text."""
        parts = [(confirm.get("title") or {}).get("text"), (confirm.get("text") or {}).get("text")]
        return "\n\n".join(str(p) for p in parts if p)


def read_fields(
    blocks: list[Any], form: FormData, *, check_required: bool = False, zone: tzinfo = UTC
) -> tuple[dict[str, Any], dict[tuple[str, str], Draft], dict[str, str]]:
    """State values, drafts and missing required inputs from the posted form (date and time
    pickers read in `zone`, the person's)."""
    present = set(form.getlist("present"))
    state_values: dict[str, Any] = {}
    drafts: dict[tuple[str, str], Draft] = {}
    missing: dict[str, str] = {}
    for block, element in interactive_elements(blocks):
        key = state_key(element)
        kind = str(element.get("type", ""))
        name = Fields.name(block, element)
        block_id, action_id = json.loads(name)
        if kind == "overflow":
            # Not part of view.state, but its pick is the action's value.
            drafts[(block_id, action_id)] = (kind, form_text(form, name))
            continue
        if kind in STATELESS or key is None:
            continue
        if name not in present:
            continue  # not shown on the page: Slack keeps its initial value
        raw: str | list[str]
        if key in MULTI_KEYS:
            raw = [v for v in form.getlist(name) if isinstance(v, str) and v]
        else:
            raw = form_text(form, name)
        drafts[(block_id, action_id)] = (kind, raw)
        if kind == "external_select":
            # What was typed in its search box stays there, as in Slack's open menu.
            drafts[(block_id, SEARCH + action_id)] = (SEARCH, form_text(form, SEARCH + name))
        entry = empty_state(element)
        if kind == "datetimepicker" and isinstance(raw, str):
            # The page's datetime-local input is in the person's zone; Slack sends Unix seconds.
            raw = _timestamp(raw, zone)
        if raw:
            # A value that is not among the view's options any more counts as empty.
            with contextlib.suppress(ValueError):
                entry = element_state(element, raw)
        state_values.setdefault(block_id, {})[action_id] = entry
        filled = any(v not in (None, [], "") for k, v in entry.items() if k != "type")
        required = block.get("type") == "input" and not block.get("optional")
        if check_required and required and not filled:
            missing[block_id] = REQUIRED
    return state_values, drafts, missing


def acted(
    blocks: list[Any], block_id: str, action_id: str, drafts: dict[tuple[str, str], Draft]
) -> tuple[Any, dict[str, Any] | None]:
    """The value of the element acted on (None for buttons) and a state override when emptied."""
    for block, element in interactive_elements(blocks):
        if block.get("block_id") == block_id and element.get("action_id") == action_id:
            if element.get("type") in STATELESS and element.get("type") != "overflow":
                return None, None
            draft = drafts.get((block_id, action_id))
            raw = draft[1] if draft else None
            if not raw:
                return None, empty_state(element)
            return raw, None
    raise LookupError("That button or menu is not there any more.")


def field_pair(raw: str) -> tuple[str, str]:
    """[block_id, action_id] from a field name."""
    data = json.loads(raw)
    if not (isinstance(data, list) and len(data) == 2 and all(isinstance(x, str) for x in data)):
        raise ValueError(raw)
    return data[0], data[1]


def dom_id_of(name: str) -> str:
    """The HTML id of the element whose form field is `name` (the page scrolls back to it)."""
    return "f-" + hashlib.sha1(name.encode()).hexdigest()[:12]


def form_text(form: FormData, key: str) -> str:
    """A posted text field ("" when absent or a file)."""
    value = form.get(key)
    return value if isinstance(value, str) else ""


def _plain_option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _timestamp(raw: str, zone: tzinfo = UTC) -> str:
    """A datetime-local value ("2030-03-04T14:00", in `zone`) as Unix seconds ("" if not one)."""
    try:
        moment = datetime.strptime(raw.strip(), DATETIME_LOCAL).replace(tzinfo=zone)
    except ValueError:
        return ""
    return str(int(moment.timestamp()))
