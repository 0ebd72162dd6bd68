"""Encryption of secrets at rest with the keys in VILTBOT_SECRET_KEY.

VILTBOT_SECRET_KEY holds one key or several, comma-separated, newest first. Each entry is either
a Fernet key (32 url-safe base64 bytes, as `Fernet.generate_key()` prints) used as is, or a
passphrase stretched by scrypt (n=2**15, r=8, p=1) with the fixed salt `KDF_SALT`. New values are
encrypted with the first key; any listed key decrypts. Values written before keys were derived
with scrypt (`enc:v1:`, an unsalted SHA-256 of the passphrase) still decrypt, and
`viltbot rotate-secrets` rewrites every stored value with the first key.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# Fixed and application-specific: a passphrase gives the same key on every replica and restart.
KDF_SALT = b"viltbot/VILTBOT_SECRET_KEY/scrypt/v2"
KDF_N = 2**15
KDF_R = 8
KDF_P = 1


def parse_keys(raw: str) -> list[str]:
    """The entries of VILTBOT_SECRET_KEY, newest first, blanks dropped."""
    return [part.strip() for part in raw.split(",") if part.strip()]


def _as_fernet_key(entry: str) -> bytes | None:
    """The entry itself when it is a Fernet key, else None."""
    try:
        decoded = base64.urlsafe_b64decode(entry.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return entry.encode("ascii") if len(decoded) == 32 and len(entry) == 44 else None


@functools.lru_cache(maxsize=32)
def derive_key(entry: str) -> bytes:
    """The Fernet key for one entry: a Fernet key as is, a passphrase through scrypt."""
    as_key = _as_fernet_key(entry)
    if as_key is not None:
        return as_key
    stretched = hashlib.scrypt(
        entry.encode(), salt=KDF_SALT, n=KDF_N, r=KDF_R, p=KDF_P, maxmem=64 * 1024 * 1024, dklen=32
    )
    return base64.urlsafe_b64encode(stretched)


def _legacy_key(entry: str) -> bytes:
    """The unsalted SHA-256 derivation of `enc:v1:` values (read only)."""
    return base64.urlsafe_b64encode(hashlib.sha256(entry.encode()).digest())


class SecretBox:
    """Encrypts and decrypts short secrets (tokens, consumer secrets)."""

    # Every stored secret starts with PREFIX; CURRENT marks values written with today's keys.
    PREFIX = "enc:"
    CURRENT = "enc:v2:"
    LEGACY = "enc:v1:"

    def __init__(self, keys: str) -> None:
        entries = parse_keys(keys or "")
        if not entries:
            raise ValueError("an encryption key is required")
        self._fernet = MultiFernet([Fernet(derive_key(entry)) for entry in entries])
        self._legacy = MultiFernet([Fernet(_legacy_key(entry)) for entry in entries])
        self.key_count = len(entries)

    def encrypt(self, plaintext: str) -> str:
        """Return ciphertext safe to store, under the newest key."""
        return self.CURRENT + self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, stored: str) -> str:
        """Return the plaintext of a stored value, whichever listed key sealed it."""
        if stored.startswith(self.CURRENT):
            fernet, token = self._fernet, stored[len(self.CURRENT) :]
        elif stored.startswith(self.LEGACY):
            fernet, token = self._legacy, stored[len(self.LEGACY) :]
        else:
            raise ValueError("value is not encrypted by viltbot")
        try:
            return fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("stored secret cannot be decrypted with VILTBOT_SECRET_KEY") from exc

    def reseal(self, stored: str) -> str:
        """The same secret encrypted under the newest key (for key rotation)."""
        return self.encrypt(self.decrypt(stored))

    def __repr__(self) -> str:
        return f"SecretBox(<{self.key_count} hidden key(s)>)"
