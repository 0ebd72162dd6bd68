"""Slack request signing, and POSTing a body to an app signed the way Slack signs it."""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def signature(signing_secret: str, body: bytes | str, timestamp: int) -> str:
    """v0=hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}"))."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + raw
    digest = hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def sign(signing_secret: str, body: bytes | str, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Slack adds to a request: timestamp (now by default) and signature."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: signature(signing_secret, body, ts),
    }


async def post_signed(
    client: httpx.AsyncClient,
    url: str,
    signing_secret: str,
    body: str,
    content_type: str = FORM_CONTENT_TYPE,
    *,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST `body` to the app the way Slack does: Content-Type plus the signature headers."""
    sent = {
        "Content-Type": content_type,
        **sign(signing_secret, body, timestamp),
        **(headers or {}),
    }
    return await client.post(url, content=body.encode("utf-8"), headers=sent)
