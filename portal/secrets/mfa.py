"""allauth MFA secrets at rest: how they are encrypted, and how key rotation reaches them.

allauth keeps the TOTP secret and the recovery-code seed in `mfa_authenticator.data`
(a JSON column), passing each through its MFA adapter's `encrypt`/`decrypt` hooks.
`mfa_encrypt`/`mfa_decrypt` back those hooks (portal.adapters.MFAAdapter) with our Fernet
keys. Ciphertext carries a prefix so a row written before encryption existed (plain
base32 or hex) is still recognised as legacy plaintext and keeps working until
`manage.py rotate_encryption_keys` encrypts it.

allauth is imported only inside `authenticators_rotate`: this module is reachable from
`portal.secrets`, which model fields import while apps are still loading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from cryptography.fernet import InvalidToken

from portal.secrets.crypto import (
    decrypt_text_or_raise,
    encrypt_text,
    is_under_primary_key,
    rotate_token,
)
from portal.secrets.rotation import Batch, FieldRotation, in_locked_batches

# Neither a base32 TOTP secret nor a hex seed can start with this, so no legacy
# plaintext value is ever mistaken for ciphertext (or the other way round).
MFA_CIPHERTEXT_PREFIX: Final = "enc:v1:"
# The data keys allauth passes through the adapter's `encrypt` (allauth 65):
# TOTP `secret`, recovery codes `seed`, and `migrated_codes` (a list, from imports).
# WebAuthn data holds only a public-key credential, so those rows are not touched.
ENCRYPTED_SCALAR_KEYS: Final = ("secret", "seed")
ENCRYPTED_LIST_KEYS: Final = ("migrated_codes",)
ROTATION_LABEL: Final = "mfa.Authenticator.data"
WHERE: Final = "an MFA authenticator secret (mfa_authenticator.data)"


def mfa_encrypt(text: str) -> str:
    """`text` as prefixed Fernet ciphertext under the primary key."""
    return MFA_CIPHERTEXT_PREFIX + encrypt_text(text)


def mfa_decrypt(stored: str) -> str:
    """The plaintext of a stored value; legacy unprefixed values are plaintext already.

    Raises SecretDecryptionError when the value is ciphertext no key decrypts.
    """
    if not stored.startswith(MFA_CIPHERTEXT_PREFIX):
        return stored
    return decrypt_text_or_raise(stored.removeprefix(MFA_CIPHERTEXT_PREFIX), where=WHERE)


def _rotated_value(stored: str) -> str | None:
    """The value re-encrypted under the primary key, or None when it already is.

    Raises InvalidToken (or ValueError) when it is ciphertext no key decrypts.
    """
    if not stored.startswith(MFA_CIPHERTEXT_PREFIX):
        return mfa_encrypt(stored)
    token = stored.removeprefix(MFA_CIPHERTEXT_PREFIX)
    if is_under_primary_key(token):
        return None
    return MFA_CIPHERTEXT_PREFIX + rotate_token(token)


def _rotated_data(data: dict[str, Any]) -> tuple[dict[str, Any], int, int]:
    """New data with every secret under the primary key; counts (secrets, plaintext)."""
    new_data = dict(data)
    secrets = plaintext = 0
    for key in ENCRYPTED_SCALAR_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value:
            secrets += 1
            plaintext += not value.startswith(MFA_CIPHERTEXT_PREFIX)
            new_data[key] = _rotated_value(value) or value
    for key in ENCRYPTED_LIST_KEYS:
        values = data.get(key)
        if isinstance(values, list):
            new_values = []
            for value in values:
                if isinstance(value, str) and value:
                    secrets += 1
                    plaintext += not value.startswith(MFA_CIPHERTEXT_PREFIX)
                    value = _rotated_value(value) or value
                new_values.append(value)
            new_data[key] = new_values
    return new_data, secrets, plaintext


def authenticators_rotate(
    *,
    batch_size: int,
    fail_fast: bool,
    dry_run: bool,
    on_failure: Callable[[str], None] | None,
) -> FieldRotation:
    """Put every TOTP/recovery-code secret under the primary key, encrypting plaintext.

    Counted per authenticator row; a row whose legacy plaintext was encrypted counts
    as rotated and in `plaintext`.
    """
    from allauth.mfa.models import Authenticator

    report = FieldRotation(label=ROTATION_LABEL)
    manager = Authenticator._base_manager
    types = [Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]

    def handle(batch: Batch) -> None:
        for pk, data in batch:
            report.scanned += 1
            if not isinstance(data, dict):
                report.empty += 1
                continue
            try:
                new_data, secrets, plaintext = _rotated_data(data)
            except (InvalidToken, UnicodeError, ValueError) as exc:
                report.undecryptable(pk=pk, exc=exc, fail_fast=fail_fast, on_failure=on_failure)
                continue
            if not secrets:
                report.empty += 1
            elif new_data == data:
                report.current += 1
            else:
                report.rotated += 1
                report.plaintext += bool(plaintext)
                if not dry_run:
                    # Few rows per user, so a plain UPDATE each; no save() signals.
                    manager.filter(pk=pk).update(data=new_data)

    # Locked batches as for the fields: allauth's own writes (a recovery code marked
    # used) wait instead of racing.
    in_locked_batches(
        rows=manager.filter(type__in=types), column="data", batch_size=batch_size, handle=handle
    )
    return report
