"""Rotate every stored secret to the primary key: the encrypted fields, then MFA's."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps

from portal.secrets.mfa import authenticators_rotate
from portal.secrets.rotation import (
    DEFAULT_BATCH_SIZE,
    FieldRotation,
    encrypted_secret_fields,
    rotate_field,
)


def secrets_rotate(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    fail_fast: bool = False,
    dry_run: bool = False,
    on_failure: Callable[[str], None] | None = None,
) -> list[FieldRotation]:
    """Rotate every encrypted secret to the primary key; report counts per field.

    Rows already under the primary key are left alone, so a rerun after an interruption
    only touches what is left. With `fail_fast`, the first undecryptable row raises
    SecretDecryptionError; otherwise it is reported and rotation goes on.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    reports = []
    for model, model_field in encrypted_secret_fields():
        report = rotate_field(
            model, model_field, batch_size=batch_size, fail_fast=fail_fast, dry_run=dry_run,
            on_failure=on_failure,
        )  # fmt: skip
        reports.append(report)
    if apps.is_installed("allauth.mfa"):
        # allauth's Authenticator keeps its secrets in a JSON column through its MFA
        # adapter, not in an EncryptedSecretField, so the field scan above misses them.
        # It is the one known third-party secret holder, hence this special case.
        report = authenticators_rotate(
            batch_size=batch_size, fail_fast=fail_fast, dry_run=dry_run, on_failure=on_failure
        )
        reports.append(report)
    return reports
