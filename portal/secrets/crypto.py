"""Fernet encryption under settings.FIELD_ENCRYPTION_KEYS: the first key encrypts, all decrypt."""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

KEYS_SETTING = "FIELD_ENCRYPTION_KEYS"


class SecretDecryptionError(Exception):
    """No key in FIELD_ENCRYPTION_KEYS decrypts a stored secret."""

    def __init__(self, message: str, *, where: str = "") -> None:
        super().__init__(message)
        self.where = where


def _keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, KEYS_SETTING, ()) or ())
    if not keys:
        raise SecretDecryptionError(
            f"{KEYS_SETTING} is empty; generate a key with `manage.py generate_encryption_key`"
        )
    return keys


@functools.lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    # Cached per key tuple, so a test that overrides the setting gets fresh objects.
    fernets = [Fernet(key.encode()) for key in keys]
    return MultiFernet(fernets), fernets[0]


def multi_fernet() -> MultiFernet:
    return _fernets(_keys())[0]


def primary_fernet() -> Fernet:
    return _fernets(_keys())[1]


def encrypt_text(plaintext: str) -> str:
    """Ciphertext of `plaintext` under the primary key, as text."""
    return multi_fernet().encrypt(plaintext.encode()).decode("ascii")


def decrypt_text(token: str) -> str:
    """Plaintext of `token`; raises cryptography's InvalidToken when no key fits."""
    return multi_fernet().decrypt(token.encode("ascii")).decode()


def decrypt_text_or_raise(token: str, *, where: str) -> str:
    """Plaintext of `token`, or SecretDecryptionError naming `where` and the setting."""
    try:
        return decrypt_text(token)
    except (InvalidToken, UnicodeError, ValueError) as exc:
        raise SecretDecryptionError(decryption_failure_message(where), where=where) from exc


def decryption_failure_message(where: str) -> str:
    return (
        f"Cannot decrypt {where}: none of the keys in {KEYS_SETTING} decrypts it. "
        f"Check that {KEYS_SETTING} still lists the key this value was encrypted with "
        "(keep old keys after the new one until `manage.py rotate_encryption_keys` has run)."
    )


def is_under_primary_key(token: str) -> bool:
    """True when the primary key alone decrypts `token` (rotation would change nothing)."""
    try:
        primary_fernet().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError, ValueError):
        return False
    return True


def rotate_token(token: str) -> str:
    """`token` re-encrypted under the primary key; raises InvalidToken when no key fits."""
    return multi_fernet().rotate(token.encode("ascii")).decode("ascii")
