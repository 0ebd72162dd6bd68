"""Slack request signing, exactly as Slack signs requests to an app."""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"


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
