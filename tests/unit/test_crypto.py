"""Secrets are encrypted at rest, under keys that can be rotated, and unreadable with another key."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.fernet import Fernet

from bot.crypto import KDF_SALT, SecretBox, derive_key


def legacy_value(passphrase: str, plaintext: str) -> str:
    """A value as the first releases stored it: Fernet under an unsalted SHA-256 of the key."""
    key = base64.urlsafe_b64encode(hashlib.sha256(passphrase.encode()).digest())
    return "enc:v1:" + Fernet(key).encrypt(plaintext.encode()).decode()


def test_round_trip_and_wrong_key() -> None:
    box = SecretBox("one key")
    stored = box.encrypt("xoxb-123-secret")
    assert "xoxb" not in stored and stored.startswith("enc:v2:")
    assert box.decrypt(stored) == "xoxb-123-secret"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox("another key").decrypt(stored)
    assert "one key" not in repr(box)


def test_a_fernet_key_is_used_as_is() -> None:
    key = Fernet.generate_key().decode()
    stored = SecretBox(key).encrypt("consumer-secret")
    assert Fernet(key.encode()).decrypt(stored.removeprefix("enc:v2:").encode()) == (
        b"consumer-secret"
    )


def test_a_passphrase_goes_through_scrypt_with_the_application_salt() -> None:
    stored = SecretBox("correct horse battery staple").encrypt("token")
    expected = base64.urlsafe_b64encode(
        hashlib.scrypt(
            b"correct horse battery staple",
            salt=KDF_SALT,
            n=2**15,
            r=8,
            p=1,
            maxmem=2**26,
            dklen=32,
        )
    )
    assert derive_key("correct horse battery staple") == expected
    assert Fernet(expected).decrypt(stored.removeprefix("enc:v2:").encode()) == b"token"
    # The old derivation no longer opens what is written now.
    sha = base64.urlsafe_b64encode(hashlib.sha256(b"correct horse battery staple").digest())
    assert expected != sha


def test_values_sealed_by_the_sha256_derivation_still_open() -> None:
    old = legacy_value("e2e-encryption-key", "xoxb-old")
    assert SecretBox("e2e-encryption-key").decrypt(old) == "xoxb-old"
    # ...also once a newer key is listed in front of the old one.
    assert SecretBox("a brand new key, e2e-encryption-key").decrypt(old) == "xoxb-old"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox("a brand new key").decrypt(old)


def test_several_keys_newest_first_encrypt_with_the_first_and_open_with_any() -> None:
    old_box = SecretBox("old passphrase")
    sealed_before = old_box.encrypt("refresh-token")
    rotated = SecretBox(f"{Fernet.generate_key().decode()}, old passphrase")
    assert rotated.decrypt(sealed_before) == "refresh-token"
    fresh = rotated.encrypt("access-token")
    with pytest.raises(ValueError):
        old_box.decrypt(fresh)
    resealed = rotated.reseal(sealed_before)
    assert resealed != sealed_before
    with pytest.raises(ValueError):
        old_box.decrypt(resealed)
    assert rotated.decrypt(resealed) == "refresh-token"


@pytest.mark.parametrize("keys", ["", " , ,"])
def test_no_key_is_refused(keys: str) -> None:
    with pytest.raises(ValueError, match="key is required"):
        SecretBox(keys)


def test_unsealed_values_are_refused() -> None:
    with pytest.raises(ValueError, match="not encrypted by viltbot"):
        SecretBox("k").decrypt("xoxb-plain")
