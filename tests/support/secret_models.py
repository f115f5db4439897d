"""A throwaway model with encrypted fields, for testing the secrets module generically.

It is declared (and its table created) only while a test runs, then unregistered, so
no other test, migration check or admin ever sees it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import connection, models

from portal.secrets import EncryptedSecretField

APP_LABEL = "connectors"
MODEL_NAME = "SecretsTestVault"
TABLE = "test_secrets_vault"


@contextmanager
def vault_table() -> Iterator[Any]:
    """Declare the vault model, create its table, and remove both afterwards."""

    class Meta:
        app_label = APP_LABEL
        db_table = TABLE

    model: Any = type(
        MODEL_NAME,
        (models.Model,),
        {
            "__module__": __name__,
            "Meta": Meta,
            "name": models.CharField(max_length=50, default=""),
            # null=True: empty is NULL; the other stores "" for empty.
            "secret": EncryptedSecretField(null=True, blank=True),
            "token": EncryptedSecretField(blank=True, default=""),
        },
    )
    try:
        with connection.schema_editor() as editor:
            editor.create_model(model)
        try:
            yield model
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(model)
    finally:
        apps.all_models[APP_LABEL].pop(MODEL_NAME.lower(), None)
        apps.clear_cache()


def raw_rows(table: str = TABLE) -> list[tuple[Any, ...]]:
    """Every row of `table` exactly as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608
        return list(cursor.fetchall())


def raw_text(table: str = TABLE) -> str:
    return "\n".join(repr(row) for row in raw_rows(table))
