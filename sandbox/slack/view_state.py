"""The state Slack reports for interactive elements: view.state values and block_actions actions."""

from __future__ import annotations

from typing import Any

from sandbox.slack.blockkit import interactive_elements

# Element type -> the state key Slack fills in (view.state.values / block_actions actions[]).
_VALUE_KEYS: dict[str, str] = {
    "plain_text_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "number_input": "value",
    "rich_text_input": "rich_text_value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "overflow": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "file_input": "files",
}
# State key -> the element attribute holding its initial value.
_INITIAL_KEYS: dict[str, tuple[str, ...]] = {
    "value": ("initial_value",),
    "rich_text_value": ("initial_value",),
    "selected_option": ("initial_option",),
    "selected_options": ("initial_options",),
    "selected_user": ("initial_user",),
    "selected_users": ("initial_users",),
    "selected_conversation": ("initial_conversation",),
    "selected_conversations": ("initial_conversations",),
    "selected_channel": ("initial_channel",),
    "selected_channels": ("initial_channels",),
    "selected_date": ("initial_date",),
    "selected_time": ("initial_time",),
    "selected_date_time": ("initial_date_time",),
}
_LIST_KEYS = frozenset(
    {
        "selected_options",
        "selected_users",
        "selected_conversations",
        "selected_channels",
        "files",
    }
)


def element_state(element: dict[str, Any], value: Any = None) -> dict[str, Any]:
    """The state entry Slack reports for an element: `value` given, else its initial value."""
    kind = str(element.get("type", ""))
    key = _VALUE_KEYS.get(kind)
    entry: dict[str, Any] = {"type": kind}
    if key is None:
        if value is not None:
            entry["value"] = value
        return entry
    if value is None:
        initial = next((element[k] for k in _INITIAL_KEYS.get(key, ()) if k in element), None)
        entry[key] = initial if initial is not None else ([] if key in _LIST_KEYS else None)
    elif key == "selected_option":
        entry[key] = value if isinstance(value, dict) else _option(element, str(value))
    elif key == "selected_options":
        values = value if isinstance(value, list) else [value]
        entry[key] = [v if isinstance(v, dict) else _option(element, str(v)) for v in values]
    elif key in _LIST_KEYS:
        entry[key] = list(value) if isinstance(value, list | tuple) else [value]
    elif key == "value":
        entry[key] = str(value)
    elif key == "selected_date_time":
        entry[key] = int(value)  # Unix seconds, as Slack sends them
    else:
        entry[key] = value
    if kind == "timepicker" and element.get("timezone"):
        entry["timezone"] = element["timezone"]
    return entry


def empty_state(element: dict[str, Any]) -> dict[str, Any]:
    """The state entry of an element the person left empty (or cleared)."""
    kind = str(element.get("type", ""))
    key = _VALUE_KEYS.get(kind)
    entry: dict[str, Any] = {"type": kind}
    if key is not None:
        entry[key] = [] if key in _LIST_KEYS else None
    return entry


def state_key(element: dict[str, Any]) -> str | None:
    """Which key of a state entry holds the element's value ("value", "selected_option"...)."""
    return _VALUE_KEYS.get(str(element.get("type", "")))


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option.get("value") == value:
            return dict(option)
    if element.get("type") in {"external_select", "multi_external_select"}:
        return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}
    raise ValueError(f"{element.get('action_id')!r} has no option with value {value!r}")


def build_state(
    blocks: list[Any], state_values: dict[str, Any] | None = None, *, check_required: bool = False
) -> dict[str, Any]:
    """view.state as Slack builds it: every stateful element, initial values, then `state_values`.

    `state_values` maps block_id -> {action_id: value}, or block_id -> value (one-element
    blocks), or action_id -> value. A value that is a dict with a "type" is used as the state
    entry as is; anything else is shaped per element type (option values become options...).
    """
    values: dict[str, dict[str, Any]] = {}
    by_action: dict[str, str] = {}  # action_id -> block_id
    elements: dict[tuple[str, str], dict[str, Any]] = {}
    input_blocks: dict[str, dict[str, Any]] = {}
    for block, element in interactive_elements(blocks):
        kind = element.get("type")
        if block.get("type") != "input" and kind in {"button", "overflow", "workflow_button"}:
            continue
        block_id = str(block.get("block_id"))
        action_id = str(element["action_id"])
        values.setdefault(block_id, {})[action_id] = element_state(element)
        by_action.setdefault(action_id, block_id)
        elements[(block_id, action_id)] = element
        if block.get("type") == "input":
            input_blocks[block_id] = block
    for key, given in (state_values or {}).items():
        if key in values:
            actions = values[key]
            if isinstance(given, dict) and given and set(given) <= set(actions):
                pairs = [(key, action_id, v) for action_id, v in given.items()]
            elif len(actions) == 1:
                pairs = [(key, next(iter(actions)), given)]
            else:
                raise ValueError(f"block {key!r} has several elements: pass {{action_id: value}}")
        elif key in by_action:
            pairs = [(by_action[key], key, given)]
        else:
            raise ValueError(f"no block_id or action_id {key!r} with an input element in the view")
        for block_id, action_id, value in pairs:
            element = elements[(block_id, action_id)]
            is_raw = isinstance(value, dict) and "type" in value
            values[block_id][action_id] = value if is_raw else element_state(element, value)
    if check_required:
        for block_id, block in input_blocks.items():
            if block.get("optional"):
                continue
            for entry in values.get(block_id, {}).values():
                filled = [v for k, v in entry.items() if k != "type" and v not in (None, [], "")]
                if not filled:
                    raise ValueError(
                        f"Slack would not submit: required input {block_id!r} is empty "
                        "(pass it in state_values or use check_required=False)"
                    )
    return {"values": values}
