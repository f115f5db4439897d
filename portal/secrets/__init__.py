"""Secrets at rest and in forms: the one module every stored secret goes through.

- `Secret`: a str wrapper whose repr/str/format show only a masked hint.
- `EncryptedSecretField`: a model field storing Fernet ciphertext (FIELD_ENCRYPTION_KEYS).
- `SecretFormField`: a write-only form field; `secret_hint` renders a stored secret.
- `secrets_rotate`: re-encrypt everything under the primary key (the manage.py command).
"""

from __future__ import annotations

from portal.secrets.crypto import SecretDecryptionError, decrypt_text, encrypt_text
from portal.secrets.fields import EncryptedSecretField
from portal.secrets.forms import SecretFormField, SecretInput
from portal.secrets.rotation import FieldRotation, encrypted_secret_fields
from portal.secrets.sweep import secrets_rotate
from portal.secrets.types import Secret, coerce_secret, secret_hint

__all__ = [
    "EncryptedSecretField",
    "FieldRotation",
    "Secret",
    "SecretDecryptionError",
    "SecretFormField",
    "SecretInput",
    "coerce_secret",
    "decrypt_text",
    "encrypt_text",
    "encrypted_secret_fields",
    "secret_hint",
    "secrets_rotate",
]
