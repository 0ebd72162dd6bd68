"""Block Kit checks for the Slack stand-in, built on slack_sdk.models."""

from __future__ import annotations

import secrets
import string
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
MESSAGE_TEXT_MAX = 40_000

# Keys an app may set on a view it sends (views.open / update / push / publish, response_action).
VIEW_INPUT_KEYS = frozenset(
    {
        "type",
        "title",
        "blocks",
        "close",
        "submit",
        "private_metadata",
        "callback_id",
        "clear_on_close",
        "notify_on_close",
        "external_id",
        "submit_disabled",
    }
)
# Keys that only appear in views Slack sends back; passing `body["view"]` back is a classic bug.
VIEW_OUTPUT_KEYS = frozenset(
    {
        "id",
        "team_id",
        "state",
        "hash",
        "previous_view_id",
        "root_view_id",
        "app_id",
        "app_installed_team_id",
        "bot_id",
    }
)
# Keys of a message body posted to a response_url or returned as a slash-command ack.
MESSAGE_BODY_KEYS = frozenset(
    {
        "text",
        "blocks",
        "attachments",
        "response_type",
        "replace_original",
        "delete_original",
        "thread_ts",
        "mrkdwn",
        "unfurl_links",
        "unfurl_media",
        "metadata",
        "parse",
        "link_names",
    }
)
RESPONSE_ACTIONS = frozenset({"errors", "update", "push", "clear"})
# Elements that accept user input in an `input` block and put a value into view.state.
_ACTION_CONTAINERS = frozenset({"actions", "section", "input", "context"})
_ID_CHARS = string.ascii_letters + string.digits


def check_blocks(
    blocks: Any, *, limit: int = MESSAGE_BLOCKS_MAX, where: str = "blocks"
) -> list[str]:
    """Problems with a list of blocks: Block Kit rules per slack_sdk.models, limits, duplicate IDs."""
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return [f"{where}: must be a JSON array, got {type(blocks).__name__}"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"{where}: {len(blocks)} blocks, Slack allows at most {limit}")
    block_ids: set[str] = set()
    for index, raw in enumerate(blocks):
        label = f"{where}[{index}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            problems.append(f"{label}: a block must be an object with a 'type'")
            continue
        label = f"{label} ({raw['type']})"
        try:
            parsed = Block.parse(dict(raw))
        except (TypeError, ValueError, KeyError, AttributeError, SlackObjectFormationError) as exc:
            problems.append(f"{label}: {exc}")
            continue
        if parsed is None:
            problems.append(f"{label}: unknown block type {raw['type']!r}")
            continue
        try:
            _deep_validate(parsed)
            round_trip = parsed.to_dict()
        except SlackObjectFormationError as exc:
            problems.append(f"{label}: {exc}")
        else:
            lost = _lost_keys(raw, round_trip)
            problems.extend(f"{label}: unknown attribute {key}" for key in lost)
        block_id = raw.get("block_id")
        if isinstance(block_id, str):
            if block_id in block_ids:
                problems.append(f"{label}: duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        action_ids = [str(e["action_id"]) for e in _elements(raw) if e.get("action_id")]
        duplicates = sorted({a for a in action_ids if action_ids.count(a) > 1})
        if duplicates:
            problems.append(f"{label}: duplicate action_id {duplicates}")
    return problems


def check_view(view: Any, *, where: str = "view") -> list[str]:
    """Problems with a view an app sends: View rules per slack_sdk.models, modal structure, blocks."""
    if not isinstance(view, dict):
        return [f"{where}: must be a JSON object, got {type(view).__name__}"]
    problems: list[str] = []
    for key in sorted(set(view) - VIEW_INPUT_KEYS):
        if key in VIEW_OUTPUT_KEYS:
            problems.append(f"{where}: {key!r} is set by Slack and must not be sent back")
        else:
            problems.append(f"{where}: unknown attribute {key!r}")
    kind = view.get("type")
    if kind not in {"modal", "home"}:
        problems.append(f"{where}: type must be 'modal' or 'home', got {kind!r}")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        problems.append(f"{where}: blocks are required (1 to {VIEW_BLOCKS_MAX})")
    try:
        View(**{k: v for k, v in view.items() if k in VIEW_INPUT_KEYS}).validate_json()
    except (TypeError, ValueError, KeyError, AttributeError, SlackObjectFormationError) as exc:
        problems.append(f"{where}: {exc}")
    for key in ("title", "submit", "close"):
        text = view.get(key)
        if text is not None and (not isinstance(text, dict) or text.get("type") != "plain_text"):
            problems.append(f"{where}.{key}: must be a plain_text object")
    if kind == "modal":
        if view.get("title") is None:
            problems.append(f"{where}: a modal needs a title")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and view.get("submit") is None:
            problems.append(f"{where}: a modal with input blocks needs a submit button")
    problems.extend(check_blocks(blocks, limit=VIEW_BLOCKS_MAX, where=f"{where}.blocks"))
    return problems


def check_message_body(body: Any, *, where: str = "message") -> list[str]:
    """Problems with a message body posted to a response_url or returned as a command ack."""
    if not isinstance(body, dict):
        return [f"{where}: must be a JSON object, got {type(body).__name__}"]
    problems = [
        f"{where}: unknown attribute {key!r}" for key in sorted(set(body) - MESSAGE_BODY_KEYS)
    ]
    response_type = body.get("response_type")
    if response_type is not None and response_type not in {"in_channel", "ephemeral"}:
        problems.append(
            f"{where}: response_type must be in_channel or ephemeral, got {response_type!r}"
        )
    has_content = any(body.get(key) for key in ("text", "blocks", "attachments"))
    if not has_content and not body.get("delete_original"):
        problems.append(f"{where}: needs text, blocks or attachments")
    text = body.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        problems.append(f"{where}: text is {len(text)} characters, Slack allows {MESSAGE_TEXT_MAX}")
    problems.extend(check_blocks(body.get("blocks"), where=f"{where}.blocks"))
    return problems


def check_view_ack(body: Any, submitted_view: dict[str, Any] | None = None) -> list[str]:
    """Problems with the body an app acks a view_submission with (`response_action` and friends)."""
    if body in (None, "", {}):
        return []
    where = "view_submission ack"
    if not isinstance(body, dict):
        return [f"{where}: must be empty or a JSON object, got {body!r}"]
    action = body.get("response_action")
    if action not in RESPONSE_ACTIONS:
        return [
            f"{where}: response_action must be one of {sorted(RESPONSE_ACTIONS)}, got {action!r}"
        ]
    allowed = {"response_action"} | ({"errors"} if action == "errors" else set())
    allowed |= {"view"} if action in {"update", "push"} else set()
    problems = [f"{where}: unexpected key {key!r}" for key in sorted(set(body) - allowed)]
    if action in {"update", "push"}:
        problems.extend(check_view(body.get("view"), where=f"{where}.view"))
    if action == "errors":
        errors = body.get("errors")
        if not isinstance(errors, dict) or not errors:
            problems.append(f"{where}: errors must be a non-empty object keyed by block_id")
        elif submitted_view is not None:
            inputs = {
                b.get("block_id")
                for b in submitted_view.get("blocks") or []
                if isinstance(b, dict) and b.get("type") == "input"
            }
            for block_id in errors:
                if block_id not in inputs:
                    problems.append(f"{where}: errors key {block_id!r} is not an input block_id")
    return problems


def with_generated_ids(blocks: list[Any]) -> list[Any]:
    """A copy of blocks with the block_id / action_id values Slack fills in when they are absent."""
    result: list[Any] = []
    for raw in blocks:
        if not isinstance(raw, dict):
            result.append(raw)
            continue
        block = dict(raw)
        block.setdefault("block_id", _random_id(5))
        if block.get("type") in _ACTION_CONTAINERS:
            if isinstance(block.get("elements"), list) and block.get("type") == "actions":
                block["elements"] = [_with_action_id(e) for e in block["elements"]]
            for key in ("accessory", "element"):
                if isinstance(block.get(key), dict):
                    block[key] = _with_action_id(block[key])
        result.append(block)
    return result


def interactive_elements(blocks: list[Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) pairs for every element that carries an action_id."""
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for block in blocks:
        if isinstance(block, dict):
            pairs.extend((block, element) for element in _elements(block) if "action_id" in element)
    return pairs


def _with_action_id(element: Any) -> Any:
    if isinstance(element, dict) and element.get("type") not in {"image", "mrkdwn", "plain_text"}:
        return {"action_id": _random_id(5), **element}
    return element


def _elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if block.get("type") == "actions" and isinstance(block.get("elements"), list):
        found.extend(e for e in block["elements"] if isinstance(e, dict))
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            found.append(block[key])
    return found


def _random_id(length: int) -> str:
    return "".join(secrets.choice(_ID_CHARS) for _ in range(length))


def _deep_validate(obj: JsonObject) -> None:
    """validate_json() on obj and on every model object nested in it (slack_sdk checks one level)."""
    obj.validate_json()
    for value in vars(obj).values():
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, JsonObject):
                _deep_validate(item)


def _lost_keys(raw: Any, parsed: Any, path: str = "") -> list[str]:
    """Keys present in raw but dropped by the slack_sdk model round-trip (unknown to Block Kit)."""
    lost: list[str] = []
    if isinstance(raw, dict) and isinstance(parsed, dict):
        for key, value in raw.items():
            if key not in parsed:
                if value not in ("", None, [], {}):
                    lost.append(f"{path}.{key}".lstrip("."))
            else:
                lost.extend(_lost_keys(value, parsed[key], f"{path}.{key}"))
    elif isinstance(raw, list) and isinstance(parsed, list) and len(raw) == len(parsed):
        for index, (a, b) in enumerate(zip(raw, parsed, strict=True)):
            lost.extend(_lost_keys(a, b, f"{path}[{index}]"))
    return lost


def check_options_ack(body: Any) -> list[str]:
    """Problems with the options an app answers a block_suggestion with."""
    where = "block_suggestion ack"
    if not isinstance(body, dict):
        return [f"{where}: must be a JSON object, got {type(body).__name__}"]
    listed = body.get("options")
    groups = body.get("option_groups")
    if listed is None and groups is None:
        return [f"{where}: needs options or option_groups"]
    options: list[Any] = list(listed or [])
    for group in groups or []:
        options.extend(group.get("options") or [] if isinstance(group, dict) else [])
    problems = []
    if len(listed or []) > 100 or len(groups or []) > 100:
        problems.append(f"{where}: Slack takes at most 100 options (or option groups)")
    for i, option in enumerate(options):
        text = option.get("text") if isinstance(option, dict) else None
        value = option.get("value") if isinstance(option, dict) else None
        if not isinstance(text, dict) or text.get("type") != "plain_text":
            problems.append(f"{where}: option {i} needs plain_text text")
        elif not 1 <= len(str(text.get("text") or "")) <= 75:
            problems.append(f"{where}: option {i} text must be 1 to 75 characters")
        if not isinstance(value, str) or not 1 <= len(value) <= 150:
            problems.append(f"{where}: option {i} value must be 1 to 150 characters")
    return problems
