"""`manage.py rotate_encryption_keys` and `generate_encryption_key`."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet, MultiFernet
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.fixtures import Settings

from portal.secrets import Secret, encrypted_secret_fields
from tests.support.secret_models import raw_rows, vault_table

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
LOST_KEY = Fernet.generate_key().decode()
LABEL = "connectors.SecretsTestVault"


@pytest.fixture
def vault(transactional_db: None, settings: Settings) -> Iterator[Any]:
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    with vault_table() as model:
        yield model


def _fill(vault: Any, count: int) -> list[Any]:
    rows = []
    for number in range(count):
        # Every third row has no secret, to count empties.
        secret = "" if number % 3 == 2 else f"secret-number-{number:04d}"
        rows.append(vault.objects.create(name=f"r{number}", secret=secret, token=f"tok-{number}"))
    return rows


def _rotate(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_rotation_finds_every_encrypted_field_through_the_app_registry(vault: Any) -> None:
    found = {f"{m._meta.label}.{f.name}" for m, f in encrypted_secret_fields()}
    assert {f"{LABEL}.secret", f"{LABEL}.token"} <= found


def test_rotation_re_encrypts_every_row_so_the_old_key_can_go(
    vault: Any, settings: Settings
) -> None:
    _fill(vault, 7)
    before = raw_rows()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    out, err = _rotate("--batch-size", "3")

    assert f"{LABEL}.secret: scanned 7, rotated 5, already current 0, empty 2" in out
    assert f"{LABEL}.token: scanned 7, rotated 7, already current 0, empty 0" in out
    assert "All secrets are under the primary key." in out
    assert err == ""
    after = raw_rows()
    new_only = Fernet(NEW_KEY.encode())
    for old_row, new_row in zip(before, after, strict=True):
        for old_value, new_value in zip(old_row[2:], new_row[2:], strict=True):
            if old_value:
                assert new_value != old_value
                new_only.decrypt(new_value.encode())  # raises if not under the new key
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    secrets = {row.name: row.secret for row in vault.objects.order_by("pk")}
    assert secrets["r0"] == Secret("secret-number-0000")
    assert secrets["r2"] is None
    assert secrets["r6"] == Secret("secret-number-0006")


def test_rotation_is_idempotent_and_a_rerun_touches_nothing(vault: Any, settings: Settings) -> None:
    _fill(vault, 4)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    _rotate()
    once = raw_rows()
    out, _ = _rotate()
    assert f"{LABEL}.secret: scanned 4, rotated 0, already current 3, empty 1" in out
    assert raw_rows() == once


def test_rotation_resumes_where_an_interrupted_run_left_off(vault: Any, settings: Settings) -> None:
    rows = _fill(vault, 6)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    # As if a run died after its first batch: two rows already carry the new key.
    for row in rows[:2]:
        row.secret = row.secret.reveal()
        row.save()
    out, _ = _rotate("--batch-size", "2")
    assert f"{LABEL}.secret: scanned 6, rotated 2, already current 2, empty 2" in out


def test_an_undecryptable_row_is_named_and_the_command_fails_after_the_rest(
    vault: Any, settings: Settings
) -> None:
    rows = _fill(vault, 4)
    settings.FIELD_ENCRYPTION_KEYS = [LOST_KEY]
    lost = vault.objects.get(pk=rows[1].pk)
    lost.secret = "encrypted-with-a-key-we-lost"
    lost.save()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 row\\(s\\) could not be decrypted"):
        call_command("rotate_encryption_keys", stdout=out, stderr=err)

    assert f"cannot decrypt {LABEL}.secret for row pk={rows[1].pk}" in err.getvalue()
    assert f"{LABEL}.secret: scanned 4, rotated 2, already current 0, empty 1, undecryptable 1" in (
        out.getvalue()
    )
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert vault.objects.get(pk=rows[0].pk).secret == Secret("secret-number-0000")
    assert vault.objects.get(pk=rows[3].pk).secret == Secret("secret-number-0003")


def test_fail_fast_stops_at_the_first_undecryptable_row(vault: Any, settings: Settings) -> None:
    rows = _fill(vault, 2)
    settings.FIELD_ENCRYPTION_KEYS = [LOST_KEY]
    vault.objects.filter(pk=rows[0].pk).update(secret="lost-secret-value")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    with pytest.raises(CommandError, match=f"Cannot decrypt {LABEL}.secret for row pk="):
        _rotate("--fail-fast")


def test_dry_run_counts_without_writing(vault: Any, settings: Settings) -> None:
    _fill(vault, 3)
    before = raw_rows()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    out, _ = _rotate("--dry-run")
    assert f"{LABEL}.secret: scanned 3, rotated 2" in out
    assert "would be under the primary key" in out
    assert raw_rows() == before


def test_a_batch_size_below_one_is_refused(vault: Any) -> None:
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        _rotate("--batch-size", "0")


def test_generate_encryption_key_prints_a_working_key_and_how_to_rotate() -> None:
    out = StringIO()
    call_command("generate_encryption_key", stdout=out)
    key, _, advice = out.getvalue().partition("\n")
    token = Fernet(key.encode()).encrypt(b"x")
    assert MultiFernet([Fernet(key.encode())]).decrypt(token) == b"x"
    assert 'FIELD_ENCRYPTION_KEYS="<this key>,<current key>"' in advice
    assert "rotate_encryption_keys" in advice

    quiet = StringIO()
    call_command("generate_encryption_key", "--quiet", stdout=quiet)
    Fernet(quiet.getvalue().strip().encode())
