"""How the Slack stand-in reads a Web API request: arguments, token and client credentials."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import Request

from sandbox.slack.spec import JSON_ARGS


async def read_request(
    request: Request,
) -> tuple[dict[str, Any], str | None, tuple[str | None, str | None], list[str]]:
    """Arguments (query + form/JSON/multipart body, JSON fields decoded), token, Basic creds, problems."""
    args: dict[str, Any] = dict(request.query_params)
    problems: list[str] = []
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if content_type == "application/json":
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
                problems.append("request body is not valid JSON")
            if isinstance(body, dict):
                args.update(body)
            elif body is not None:
                problems.append("a JSON request body must be an object")
    elif content_type == "multipart/form-data":
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                args[key] = await value.read()
                if value.filename and "filename" not in args:
                    args["filename"] = value.filename
            else:
                args[key] = value
    elif raw:
        args.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    for key in JSON_ARGS:
        encoded = args.get(key)
        if isinstance(encoded, str) and encoded.strip()[:1] in {"[", "{"}:
            try:
                args[key] = json.loads(encoded)
            except ValueError:
                problems.append(f"argument {key!r} is not valid JSON")
    token: str | None = None
    client: tuple[str | None, str | None] = (None, None)
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        token = credentials.strip()
    elif scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(credentials).decode("utf-8").partition(":")
            client = (client_id, secret)
        except (ValueError, binascii.Error):
            problems.append("malformed Basic authorization header")
    body_token = args.pop("token", None)
    if token is None and body_token:
        token = str(body_token)
    return args, token, client, problems
