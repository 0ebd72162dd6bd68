"""Reads the published GoTo OpenAPI specs and checks requests and mock bodies against them."""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from tests.support.shared import SPECS

# The specs live beside the checkout (../shared/specs) and are never copied into the project.
SPECS_DIR = SPECS

API_HOST = "api.getgo.com"
AUTH_HOST = "authentication.logmeininc.com"

# Endpoints outside the two product specs. Both specs still name the decommissioned OAuth
# host (api.getgo.com/oauth/v2), and the identity API has no spec here at all, so these are
# held to the shapes documented in ../shared/specs/README.md instead.
EXEMPT = {
    ("POST", AUTH_HOST, "/oauth/token"),
    ("GET", API_HOST, "/identity/v1/Users/me"),
}


@dataclass(frozen=True)
class Api:
    """One product spec and the base path its paths hang off."""

    name: str
    base_path: str
    file: str

    @property
    def base_url(self) -> str:
        """Absolute base URL of the product API."""
        return f"https://{API_HOST}{self.base_path}"

    @property
    def doc(self) -> dict[str, Any]:
        """The parsed spec."""
        return _load(self.file)


WEBINAR = Api("webinar", "/G2W/rest/v2", "gotowebinar-v2.openapi.yml")
TRAINING = Api("training", "/G2T/rest", "gototraining-v1.openapi.yml")
APIS = (WEBINAR, TRAINING)


# Known typos, patched as in tests/sandbox_goto/contract.py: `Webinar` (getWebinars list
# items) requires "webinarId" and "status" but spells the id "webinarID" and defines no
# "status" at all; GoTo's answers carry "webinarID".
SPEC_TYPOS = {("gotowebinar-v2.openapi.yml", "Webinar"): ("webinarId", "status")}


@functools.cache
def _load(file: str) -> dict[str, Any]:
    with (SPECS_DIR / file).open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.safe_load(fh)
    for (name, schema), dropped in SPEC_TYPOS.items():
        if name == file:
            node = doc["components"]["schemas"][schema]
            node["required"] = [r for r in node.get("required", []) if r not in dropped]
    return doc


def _resolve_ref(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def deref(doc: dict[str, Any], node: Any, _seen: tuple[str, ...] = ()) -> Any:
    """Inline every local $ref of `node` (the GoTo specs have no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            assert ref not in _seen, f"recursive $ref {ref}"
            return deref(doc, _resolve_ref(doc, ref), (*_seen, ref))
        return {k: deref(doc, v, _seen) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(doc, v, _seen) for v in node]
    return node


def strict(schema: Any) -> Any:
    """Copy of `schema` that rejects properties the spec does not declare.

    Without this a mock with a misspelt or invented field would still validate.
    """
    schema = copy.deepcopy(schema)

    def walk(node: Any, in_all_of: bool = False) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node and not in_all_of:
                node["additionalProperties"] = False
            for key, value in node.items():
                walk(value, in_all_of or key == "allOf")
        elif isinstance(node, list):
            for value in node:
                walk(value, in_all_of)

    walk(schema)
    return schema


def validate(schema: Any, instance: Any, where: str) -> None:
    """Assert `instance` matches the (strict) OpenAPI 3.0 schema."""
    validator = OAS30Validator(strict(schema), format_checker=oas30_format_checker)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{where}: " + "; ".join(
        f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors
    )


def component_schema(api: Api, name: str) -> Any:
    """A named schema of `components/schemas`, with $refs inlined."""
    return deref(api.doc, api.doc["components"]["schemas"][name])


@dataclass(frozen=True)
class Operation:
    """One method + path template of a spec."""

    api: Api
    method: str
    template: str
    op: dict[str, Any]

    @property
    def parameters(self) -> list[dict[str, Any]]:
        """Declared parameters, $refs inlined."""
        path_item = self.api.doc["paths"][self.template]
        params = [*path_item.get("parameters", []), *self.op.get("parameters", [])]
        return [deref(self.api.doc, p) for p in params]

    def declared(self, location: str) -> dict[str, dict[str, Any]]:
        """Parameters declared `in` the given location, by name."""
        return {p["name"]: p for p in self.parameters if p["in"] == location}

    def response_schema(self, status: int) -> Any | None:
        """JSON schema of the response for `status`, or None where the spec gives none."""
        response = self.op.get("responses", {}).get(str(status))
        if response is None:
            return None
        content = deref(self.api.doc, response).get("content", {})
        media = content.get("application/json")
        return None if media is None else media.get("schema")

    def request_schema(self) -> Any | None:
        """JSON schema of the request body, if any."""
        body = self.op.get("requestBody")
        if body is None:
            return None
        media = deref(self.api.doc, body).get("content", {}).get("application/json")
        return None if media is None else media.get("schema")

    def __str__(self) -> str:
        return f"{self.api.name}: {self.method} {self.template}"


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{pattern}$")


def _operations(api: Api) -> list[tuple[re.Pattern[str], str, str, dict[str, Any]]]:
    found = []
    for template, item in api.doc["paths"].items():
        for method, op in item.items():
            if method in {"get", "post", "put", "delete", "patch"}:
                found.append((_template_regex(template), template, method.upper(), op))
    return found


def find_operation(method: str, url: httpx.URL) -> tuple[Operation, dict[str, str]] | None:
    """The spec operation a request hits and its path values; None for exempt endpoints.

    Fails when the request matches no operation of either spec.
    """
    if (method, url.host, url.path) in EXEMPT:
        return None
    assert url.host == API_HOST, f"{method} {url}: unexpected host"
    for api in APIS:
        if not url.path.startswith(api.base_path + "/"):
            continue
        rest = url.path[len(api.base_path) :]
        # A literal segment beats a parameter: /registrants/fields is not a registrant key.
        matches = sorted(
            (
                (template.count("{"), template, op, m)
                for regex, template, op_method, op in _operations(api)
                if op_method == method and (m := regex.match(rest))
            ),
            key=lambda t: t[0],
        )
        if matches:
            _, template, op, m = matches[0]
            return Operation(api, method, template, op), m.groupdict()
    raise AssertionError(f"{method} {url.path} matches no operation of the GoTo specs")


def check_request(request: httpx.Request) -> Operation | None:
    """Assert that a request is one the specs declare: path, method, params and body."""
    found = find_operation(request.method, request.url)
    if found is None:
        return None
    op, path_values = found
    path_params = op.declared("path")
    for name, value in path_values.items():
        schema = path_params[name]["schema"]
        if schema.get("type") == "integer":
            assert value.isdigit(), f"{op}: path parameter {name}={value!r} is not an integer"
    declared_query = op.declared("query")
    for name in request.url.params:
        assert name in declared_query, f"{op}: query parameter {name!r} is not declared"
    for name, param in declared_query.items():
        if param.get("required"):
            assert name in request.url.params, f"{op}: required query parameter {name} missing"
    body_schema = op.request_schema()
    if request.content and body_schema is not None:
        validate(body_schema, json.loads(request.content), f"{op} request body")
    return op


def check_response(op: Operation, status: int, body: Any) -> bool:
    """Validate a mocked JSON body against the spec's schema; False when none is defined."""
    schema = op.response_schema(status)
    if schema is None:
        return False
    validate(schema, body, f"{op} {status} response")
    return True
