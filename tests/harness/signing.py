"""Slack request signing, exactly as Slack signs requests to an app (lives in bot.sandbox)."""

from __future__ import annotations

from bot.sandbox.slack_requests import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signature

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "sign", "signature"]
