"""Encryption of secrets at rest with the key from VILTBOT_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    """Encrypts and decrypts short secrets (tokens, consumer secrets)."""

    PREFIX = "enc:v1:"

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("an encryption key is required")
        # Any passphrase works: it is stretched to the 32 bytes Fernet expects.
        digest = hashlib.sha256(key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def encrypt(self, plaintext: str) -> str:
        """Return ciphertext safe to store."""
        return self.PREFIX + self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, stored: str) -> str:
        """Return the plaintext of a stored value."""
        if not stored.startswith(self.PREFIX):
            raise ValueError("value is not encrypted by viltbot")
        try:
            return self._fernet.decrypt(stored[len(self.PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise ValueError("stored secret cannot be decrypted with VILTBOT_SECRET_KEY") from exc

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"
