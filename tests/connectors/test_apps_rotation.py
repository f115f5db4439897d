"""Key rotation re-encrypts every app's secret, after which the old key can be removed."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from pytest_django.fixtures import Settings

from connectors.models import App
from portal.models import Team
from portal.secrets import Secret, SecretDecryptionError
from portal.secrets.crypto import _fernets
from tests.connectors.factories import AppFactory

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def _raw_secrets() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, client_secret FROM connectors_app ORDER BY id")
        return dict(cursor.fetchall())


def _use_keys(settings: Settings, *keys: str) -> None:
    settings.FIELD_ENCRYPTION_KEYS = list(keys)
    _fernets.cache_clear()  # the MultiFernet is cached per key tuple


@pytest.mark.django_db
def test_rotation_re_encrypts_app_secrets_so_the_old_key_can_go(
    team: Team, settings: Settings
) -> None:
    _use_keys(settings, OLD_KEY)
    apps = [AppFactory(team=team, client_secret=f"rotate-me-secret-{n:04d}") for n in range(5)]
    before = _raw_secrets()

    _use_keys(settings, NEW_KEY, OLD_KEY)
    out = StringIO()
    call_command("rotate_encryption_keys", "--batch-size", "2", stdout=out)

    assert "connectors.App.client_secret: scanned 5, rotated 5" in out.getvalue()
    after = _raw_secrets()
    assert all(after[pk] != before[pk] for pk in before)

    _use_keys(settings, NEW_KEY)
    for n, app in enumerate(apps):
        fresh = App.objects.get(pk=app.pk)
        assert fresh.client_secret == Secret(f"rotate-me-secret-{n:04d}")


@pytest.mark.django_db
def test_without_rotation_removing_the_old_key_names_the_row(
    team: Team, settings: Settings
) -> None:
    _use_keys(settings, OLD_KEY)
    app = AppFactory(team=team)
    _use_keys(settings, NEW_KEY)
    with pytest.raises(SecretDecryptionError) as caught:
        _ = App.objects.get(pk=app.pk).client_secret
    assert f"connectors.App.client_secret for row pk={app.pk}" in str(caught.value)


@pytest.mark.django_db
def test_the_app_page_says_an_undecryptable_secret_must_be_replaced(
    team: Team, settings: Settings, alice_client: object
) -> None:
    _use_keys(settings, OLD_KEY)
    app = AppFactory(team=team)
    _use_keys(settings, NEW_KEY)
    response = alice_client.get(f"/t/{team.slug}/apps/{app.public_id}/")  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert "cannot be decrypted with this portal's keys. Replace it." in response.content.decode()
