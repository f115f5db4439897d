"""Re-encrypt every stored secret under the primary key, in resumable batches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import models, transaction
from django.db.models import Case, Value, When

from portal.secrets.crypto import (
    SecretDecryptionError,
    decryption_failure_message,
    is_under_primary_key,
    rotate_token,
)
from portal.secrets.fields import Ciphertext, EncryptedSecretField

DEFAULT_BATCH_SIZE = 500


@dataclass
class FieldRotation:
    """What rotation found in one model field."""

    label: str
    scanned: int = 0
    rotated: int = 0
    current: int = 0
    empty: int = 0
    failed_pks: list[Any] = field(default_factory=list)
    # Rows among `rotated` that held legacy plaintext (only allauth MFA data has those).
    plaintext: int = 0

    def summary(self) -> str:
        text = (
            f"{self.label}: scanned {self.scanned}, rotated {self.rotated}, "
            f"already current {self.current}, empty {self.empty}, "
            f"undecryptable {len(self.failed_pks)}"
        )
        if self.plaintext:
            text += f", of which plaintext encrypted {self.plaintext}"
        return text

    def undecryptable(
        self,
        *,
        pk: Any,
        exc: Exception,
        fail_fast: bool,
        on_failure: Callable[[str], None] | None,
    ) -> None:
        """Note a row no key decrypts; with `fail_fast`, raise SecretDecryptionError instead."""
        where = f"{self.label} for row pk={pk!r}"
        if fail_fast:
            raise SecretDecryptionError(decryption_failure_message(where), where=where) from exc
        self.failed_pks.append(pk)
        if on_failure is not None:
            on_failure(where)


Batch = list[tuple[Any, Any]]


def in_locked_batches(
    *, rows: models.QuerySet[Any], column: str, batch_size: int, handle: Callable[[Batch], None]
) -> None:
    """Call `handle` with (pk, `column`) pairs of `rows`, `batch_size` at a time, in pk order.

    One transaction per batch: rows are locked between read and write, so a secret
    saved meanwhile by someone else is never overwritten with its old value. Keyset
    paging (pk > last) keeps every batch as cheap as the first.
    """
    using = rows.db
    last_pk: Any = None
    while True:
        with transaction.atomic(using=using):
            page = rows.order_by("pk").select_for_update()
            if last_pk is not None:
                page = page.filter(pk__gt=last_pk)
            batch = list(page.values_list("pk", column)[:batch_size])
            if not batch:
                return
            handle(batch)
            last_pk = batch[-1][0]


def encrypted_secret_fields() -> Iterator[tuple[type[models.Model], EncryptedSecretField]]:
    """Every EncryptedSecretField of every installed concrete model, once per table."""
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        # local fields only: a multi-table child's inherited field lives in its parent.
        for model_field in model._meta.local_concrete_fields:
            if isinstance(model_field, EncryptedSecretField):
                yield model, model_field


def rotate_field(
    model: type[models.Model],
    model_field: EncryptedSecretField,
    *,
    batch_size: int,
    fail_fast: bool,
    dry_run: bool,
    on_failure: Callable[[str], None] | None,
) -> FieldRotation:
    report = FieldRotation(label=f"{model._meta.label}.{model_field.name}")
    manager = model._base_manager

    def handle(batch: Batch) -> None:
        updates: dict[Any, str] = {}
        for pk, stored in batch:
            report.scanned += 1
            if not isinstance(stored, Ciphertext):
                report.empty += 1
            elif is_under_primary_key(stored.token):
                report.current += 1
            else:
                try:
                    updates[pk] = rotate_token(stored.token)
                except (InvalidToken, UnicodeError, ValueError) as exc:
                    report.undecryptable(pk=pk, exc=exc, fail_fast=fail_fast, on_failure=on_failure)
        if updates and not dry_run:
            _write_tokens(manager, model_field, updates)
        report.rotated += len(updates)

    in_locked_batches(
        rows=manager.all(), column=model_field.attname, batch_size=batch_size, handle=handle
    )
    return report


def _write_tokens(manager: Any, model_field: EncryptedSecretField, updates: dict[Any, str]) -> None:
    # One UPDATE ... CASE per batch (what bulk_update builds), with the new ciphertext
    # written as is rather than decrypted and encrypted again.
    whens = [
        When(pk=pk, then=Value(Ciphertext(token), output_field=model_field))
        for pk, token in updates.items()
    ]
    manager.filter(pk__in=list(updates)).update(
        **{model_field.attname: Case(*whens, output_field=model_field)}
    )
