"""Secrets are encrypted at rest and unreadable with another key."""

from __future__ import annotations

import pytest

from bot.crypto import SecretBox


def test_round_trip_and_wrong_key() -> None:
    box = SecretBox("one key")
    stored = box.encrypt("xoxb-123-secret")
    assert "xoxb" not in stored and stored.startswith("enc:v1:")
    assert box.decrypt(stored) == "xoxb-123-secret"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox("another key").decrypt(stored)
    assert "one key" not in repr(box)
