"""Check sandbox answers against GoTo's published OpenAPI specs (read from ../shared/specs)."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from tests.support.shared import SPECS

# Statuses GoTo answers on every path although the specs never list them (specs README).
UNDOCUMENTED_BUT_REAL = {429}

# Known typos in the published spec, patched here (not in the sandbox) so the rest still checks:
# `Webinar` (getWebinars list items) requires "webinarId" and "status", but its properties spell
# the id "webinarID" and define no "status" at all; GoTo's answers carry "webinarID".
SPEC_TYPOS = {("G2W", "Webinar"): {"drop_required": ["webinarId", "status"]}}


@dataclass
class Operation:
    """One (method, path template) of a spec."""

    api: str
    base: str
    template: str
    method: str
    responses: dict[str, Any]
    regex: re.Pattern[str]
    literal_segments: int


@dataclass
class Spec:
    """One OpenAPI document with its operations indexed by path template."""

    api: str
    base: str
    doc: dict[str, Any]
    operations: list[Operation] = field(default_factory=list)

    def match(self, method: str, path: str) -> Operation | None:
        """The operation serving method+path (full sandbox path, base included)."""
        if not path.startswith(self.base + "/"):
            return None
        rest = path[len(self.base) :]
        candidates = [
            op for op in self.operations if op.method == method.lower() and op.regex.match(rest)
        ]
        # Prefer literal segments: ".../registrants/fields" over ".../registrants/{registrantKey}".
        candidates.sort(key=lambda op: -op.literal_segments)
        return candidates[0] if candidates else None

    def templates(self) -> set[tuple[str, str]]:
        """All (METHOD, full path template) pairs."""
        return {(op.method.upper(), self.base + op.template) for op in self.operations}


def _tighten(node: Any) -> None:
    # The specs omit `type: object` beside `properties`; without it JSON Schema would accept
    # an array or a string where an object is due, so add it.
    if isinstance(node, dict):
        if "properties" in node and "type" not in node:
            node["type"] = "object"
        for value in node.values():
            _tighten(value)
    elif isinstance(node, list):
        for value in node:
            _tighten(value)


def _load(api: str, filename: str, base: str) -> Spec:
    doc = yaml.safe_load((SPECS / filename).read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    _tighten(doc.get("components", {}))
    for (typo_api, name), fix in SPEC_TYPOS.items():
        if typo_api == api:
            schema = doc["components"]["schemas"][name]
            schema["required"] = [r for r in schema["required"] if r not in fix["drop_required"]]
    spec = Spec(api, base, doc)
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\{[^/}]+\}", r"[^/]+", template) + "$"
        literal = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
        for method, op in item.items():
            if method in ("get", "post", "put", "delete", "patch"):
                spec.operations.append(
                    Operation(
                        api, base, template, method, op["responses"], re.compile(pattern), literal
                    )
                )
    return spec


@cache
def specs() -> tuple[Spec, Spec]:
    """The GoToWebinar and GoToTraining specs."""
    return (
        _load("G2W", "gotowebinar-v2.openapi.yml", "/G2W/rest/v2"),
        _load("G2T", "gototraining-v1.openapi.yml", "/G2T/rest"),
    )


def find_operation(method: str, path: str) -> Operation | None:
    """The spec operation for a sandbox request path, in either spec."""
    for spec in specs():
        op = spec.match(method, path)
        if op is not None:
            return op
    return None


def response_schema(op: Operation, status: int) -> dict[str, Any] | None:
    """The JSON schema the spec gives for this status, or None when it defines no body."""
    response = op.responses.get(str(status))
    if response is None:
        return None
    content = response.get("content", {}).get("application/json")
    return content.get("schema") if content else None


def validate(method: str, path: str, status: int, body: Any) -> Operation:
    """Assert the status is documented and the body matches the spec's schema for it."""
    op = find_operation(method, path)
    assert op is not None, f"{method} {path} is not a path of GoTo's specs"
    documented = {int(code) for code in op.responses if code.isdigit()}
    assert status in documented | UNDOCUMENTED_BUT_REAL, (
        f"{method} {op.template} answered {status}; the spec documents {sorted(documented)}"
    )
    schema = response_schema(op, status)
    if schema is not None:
        spec = next(s for s in specs() if s.api == op.api)
        root = {"allOf": [schema], "components": spec.doc["components"]}
        validator = OAS30Validator(root, format_checker=oas30_format_checker)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        assert not errors, f"{method} {op.template} {status} does not match the spec: " + "; ".join(
            f"{list(e.path)}: {e.message}" for e in errors[:5]
        )
    return op


@dataclass
class ContractRecorder:
    """An httpx response hook validating every GoTo API answer and remembering what it saw."""

    seen: set[tuple[str, str, int]] = field(default_factory=set)  # (METHOD, full template, status)
    validated: set[tuple[str, str, int]] = field(default_factory=set)  # ...that had a schema

    async def hook(self, response: httpx.Response) -> None:
        """Validate the answer if it is one of GoTo's product APIs."""
        request = response.request
        path = request.url.path
        if not (path.startswith("/G2W/") or path.startswith("/G2T/")):
            return
        await response.aread()
        body = json.loads(response.content) if response.content else None
        op = validate(request.method, path, response.status_code, body)
        key = (request.method, op.base + op.template, response.status_code)
        self.seen.add(key)
        if response_schema(op, response.status_code) is not None:
            self.validated.add(key)
