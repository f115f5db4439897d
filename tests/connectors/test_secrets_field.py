"""`EncryptedSecretField`: ciphertext in the database, a `Secret` in Python, nothing in between."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django import forms
from django.core import serializers
from django.core.exceptions import FieldError
from django.db import connection
from django.db.migrations.writer import MigrationWriter
from django.forms.models import model_to_dict
from pytest_django.fixtures import Settings as SettingsWrapper

from portal.secrets import EncryptedSecretField, Secret, SecretDecryptionError, encrypt_text
from tests.support.secret_models import TABLE, raw_rows, raw_text, vault_table

PLAINTEXT = "cs_0123456789abcdef_SECRET"
OTHER_KEY = Fernet.generate_key().decode()


@pytest.fixture
def vault(transactional_db: None) -> Iterator[Any]:
    with vault_table() as model:
        yield model


def test_the_database_holds_only_ciphertext(vault: Any) -> None:
    vault.objects.create(name="a", secret=PLAINTEXT, token=Secret(PLAINTEXT + "2"))
    text = raw_text()
    assert PLAINTEXT not in text
    assert "gAAAAA" in text  # Fernet tokens, for both fields


def test_a_stored_secret_reads_back_as_a_secret(vault: Any) -> None:
    row = vault.objects.create(name="a", secret=PLAINTEXT)
    assert isinstance(row.secret, Secret)  # coerced on assignment
    fresh = vault.objects.get(pk=row.pk)
    assert isinstance(fresh.secret, Secret)
    assert fresh.secret.reveal() == PLAINTEXT
    assert fresh.secret == Secret(PLAINTEXT)


def test_empty_values_are_stored_as_null_or_empty_and_read_back_as_none(vault: Any) -> None:
    row = vault.objects.create(name="a", secret="", token="")
    assert raw_rows() == [(row.pk, "a", None, "")]
    fresh = vault.objects.get(pk=row.pk)
    assert fresh.secret is None
    assert fresh.token is None


def test_filtering_by_value_is_refused_with_a_clear_error(vault: Any) -> None:
    vault.objects.create(name="a", secret=PLAINTEXT)
    for lookup in ({"secret": PLAINTEXT}, {"secret__startswith": "cs_"}, {"secret__in": ["x"]}):
        with pytest.raises(FieldError, match="encrypted secret and cannot be filtered"):
            list(vault.objects.filter(**lookup))
    with pytest.raises(FieldError, match="Only `__isnull` works"):
        vault.objects.filter(secret__lower="x")


def test_isnull_and_none_filters_still_work(vault: Any) -> None:
    vault.objects.create(name="with", secret=PLAINTEXT)
    vault.objects.create(name="without")
    assert list(vault.objects.filter(secret__isnull=True).values_list("name", flat=True)) == [
        "without"
    ]
    assert list(vault.objects.filter(secret=None).values_list("name", flat=True)) == ["without"]
    assert vault.objects.exclude(secret__isnull=True).count() == 1


def test_a_value_no_key_decrypts_raises_one_error_naming_the_row(
    vault: Any, settings: SettingsWrapper
) -> None:
    row = vault.objects.create(name="a", secret=PLAINTEXT)
    settings.FIELD_ENCRYPTION_KEYS = [OTHER_KEY]
    fresh = vault.objects.get(pk=row.pk)  # loading the row does not decrypt yet
    with pytest.raises(SecretDecryptionError) as caught:
        _ = fresh.secret
    message = str(caught.value)
    assert f"connectors.SecretsTestVault.secret for row pk={row.pk}" in message
    assert "FIELD_ENCRYPTION_KEYS" in message
    assert PLAINTEXT not in message


def test_saving_a_row_without_reading_its_secret_keeps_the_ciphertext(
    vault: Any, settings: SettingsWrapper
) -> None:
    row = vault.objects.create(name="a", secret=PLAINTEXT)
    before = raw_rows()[0][2]
    settings.FIELD_ENCRYPTION_KEYS = [OTHER_KEY]
    fresh = vault.objects.get(pk=row.pk)
    fresh.name = "renamed"
    fresh.save()
    assert raw_rows()[0][1:3] == ("renamed", before)


def test_deferred_secrets_load_and_decrypt_on_access(vault: Any) -> None:
    row = vault.objects.create(name="a", secret=PLAINTEXT)
    fresh = vault.objects.only("name").get(pk=row.pk)
    assert fresh.secret == Secret(PLAINTEXT)


def test_model_repr_dicts_and_serialisation_never_show_plaintext(vault: Any) -> None:
    row = vault.objects.create(name="a", secret=PLAINTEXT)
    fresh = vault.objects.get(pk=row.pk)
    assert PLAINTEXT not in repr(fresh)
    assert PLAINTEXT not in repr(fresh.__dict__)
    assert PLAINTEXT not in repr(model_to_dict(fresh))
    dumped = serializers.serialize("json", [fresh])
    assert PLAINTEXT not in dumped
    assert '"secret"' not in dumped  # left out of dumpdata entirely
    field = vault._meta.get_field("secret")
    assert field.value_to_string(fresh).startswith("gAAAAA")


def test_a_model_form_never_renders_the_secret_and_blank_keeps_it(vault: Any) -> None:
    row = vault.objects.create(name="a", secret=PLAINTEXT)
    form_class = forms.modelform_factory(vault, fields=["name", "secret"])
    html = str(form_class(instance=vault.objects.get(pk=row.pk)))
    assert 'type="password"' in html
    assert PLAINTEXT not in html
    assert "••••" not in html  # not even the hint, unless the view asks for it

    keep = form_class({"name": "b", "secret": ""}, instance=vault.objects.get(pk=row.pk))
    assert keep.is_valid(), keep.errors
    keep.save()
    assert vault.objects.get(pk=row.pk).secret == Secret(PLAINTEXT)

    change = form_class({"name": "b", "secret": " new-secret-value "}, instance=row)
    assert change.is_valid(), change.errors
    change.save()
    assert vault.objects.get(pk=row.pk).secret == Secret("new-secret-value")


def test_the_field_deconstructs_for_migrations_at_its_public_path() -> None:
    field = EncryptedSecretField(null=True, blank=True, help_text="x")
    _name, path, args, kwargs = field.deconstruct()
    assert path == "portal.secrets.EncryptedSecretField"
    assert kwargs == {"null": True, "blank": True, "help_text": "x"}
    code, imports = MigrationWriter.serialize(field)
    assert "portal.secrets.EncryptedSecretField(" in code
    assert "import portal.secrets" in imports
    rebuilt = EncryptedSecretField(*args, **kwargs)
    assert rebuilt.deconstruct()[3] == kwargs


def test_a_unique_or_indexed_secret_field_fails_the_system_check(vault: Any) -> None:
    field = EncryptedSecretField(unique=True)
    field.set_attributes_from_name("broken")
    field.model = vault
    assert [e.id for e in field.check()] == ["connectors.E001"]


def test_ciphertext_written_elsewhere_still_decrypts(vault: Any) -> None:
    token = encrypt_text(PLAINTEXT)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (name, secret, token) VALUES (%s, %s, %s)",  # noqa: S608
            ["raw", token, ""],
        )
    assert vault.objects.get(name="raw").secret == Secret(PLAINTEXT)


def test_the_admin_form_uses_the_write_only_widget_too(vault: Any) -> None:
    from django.contrib.admin import AdminSite, ModelAdmin
    from django.test import RequestFactory

    from portal.secrets import SecretInput

    row = vault.objects.create(name="a", secret=PLAINTEXT)
    admin = ModelAdmin(vault, AdminSite())
    request = RequestFactory().get("/")
    form_class = admin.get_form(request, obj=row, fields=["name", "secret", "token"])
    form = form_class(instance=vault.objects.get(pk=row.pk))
    assert isinstance(form.fields["secret"].widget, SecretInput)
    html = str(form)
    assert PLAINTEXT not in html
    assert "••••" not in html
