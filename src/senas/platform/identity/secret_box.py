"""Encryption at rest of the embedded identity's TOTP secrets (issue 14 #14).

A TOTP secret is as good as the second factor itself, and it sits in the same table file as the password hash:
whoever copies ``tables.db`` should not get both. Secrets are sealed with Fernet (AES-128-CBC + HMAC-SHA256,
``cryptography``) under a key kept elsewhere: ``SENAS_TOTP_ENCRYPTION_KEY`` when set (from a secret store), else
a key file beside the table (``identity/totp.key``, ``0600``, created on first start). Sealed values carry a
prefix; a value without it is a secret stored before this change, still accepted and re-sealed on the next write.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from senas.platform.files import read_or_create_secret

SEALED_PREFIX = "fernet:v1:"


class SecretBoxError(Exception):
    """A sealed value that this key cannot open (the key changed, or the value was altered)."""


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def generate(cls) -> SecretBox:
        """A box with a fresh key that lives only in this process (tests; nothing sealed survives a restart)."""
        return cls(Fernet.generate_key())

    @classmethod
    def from_key_file(cls, path: Path) -> SecretBox:
        return cls(read_or_create_secret(path, Fernet.generate_key))

    @staticmethod
    def is_sealed(value: str) -> bool:
        return value.startswith(SEALED_PREFIX)

    def seal(self, plaintext: str) -> str:
        return SEALED_PREFIX + self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, value: str) -> str:
        """The plaintext of a sealed value; a legacy plaintext value is returned as it is."""
        if not self.is_sealed(value):
            return value
        try:
            return self._fernet.decrypt(value[len(SEALED_PREFIX) :].encode()).decode()
        except InvalidToken:
            raise SecretBoxError("a stored TOTP secret cannot be decrypted with the configured key") from None
