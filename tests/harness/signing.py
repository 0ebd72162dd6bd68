"""Slack request signing, exactly as Slack signs requests to an app (lives in sandbox.slack)."""

from __future__ import annotations

from sandbox.slack.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signature

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "sign", "signature"]
