"""TOTP secrets and recovery-code seeds are encrypted at rest, and key rotation covers them."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from io import StringIO

import pytest
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings

from portal.models import Team, User
from portal.secrets import SecretDecryptionError
from portal.secrets.mfa import MFA_CIPHERTEXT_PREFIX
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
LOST_KEY = Fernet.generate_key().decode()
LABEL = "mfa.Authenticator.data"


@pytest.fixture(autouse=True)
def _keys_and_tolerance(settings: Settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    # allauth refuses a code used before; a wider window lets one test sign in a few
    # times with distinct codes (see `_codes`).
    settings.MFA_TOTP_TOLERANCE = 3


def _codes(secret: str) -> Iterator[str]:
    """Distinct valid codes, from the earliest step in the window; each used once."""
    for offset in (-2, -1, 0, 1, 2):
        yield format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def _raw_authenticator_data() -> str:
    """Every authenticator's data exactly as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(data AS TEXT) FROM mfa_authenticator ORDER BY id")
        return "\n".join(row[0] for row in cursor.fetchall())


def _enrol_totp(user: User) -> tuple[str, Client]:
    """Enrol TOTP through allauth's views; return the secret and the signed-in client."""
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    response = client.get("/accounts/2fa/totp/activate/")
    client.post(response["Location"], {"password": PASSWORD})  # reauthenticate
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = str(client.session["mfa.totp.secret"])
    response = client.post("/accounts/2fa/totp/activate/", {"code": next(_codes(secret))})
    assert response.status_code == 302, response.content.decode()[:1500]
    return secret, client


def _signs_in_with(user: User, code: str) -> bool:
    """True when password then `code` on allauth's second-factor page signs `user` in."""
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    client.post("/accounts/2fa/authenticate/", {"code": code})
    return client.get("/t/alice-co/").status_code == 200


def _rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_an_enrolled_totp_secret_is_not_in_the_database_in_plaintext(bob: User, team: Team) -> None:
    secret, _ = _enrol_totp(bob)

    totp = Authenticator.objects.get(user=bob, type=Authenticator.Type.TOTP)
    stored = totp.data["secret"]
    assert stored.startswith(MFA_CIPHERTEXT_PREFIX)
    assert get_adapter().decrypt(stored) == secret
    raw = _raw_authenticator_data()
    assert secret not in raw
    assert secret.lower() not in raw
    assert _signs_in_with(bob, next(_codes(secret)))


def test_recovery_codes_are_seeded_encrypted_and_still_sign_in(bob: User, team: Team) -> None:
    _, client = _enrol_totp(bob)  # allauth generates recovery codes with the first TOTP

    recovery = Authenticator.objects.get(user=bob, type=Authenticator.Type.RECOVERY_CODES)
    stored = recovery.data["seed"]
    assert stored.startswith(MFA_CIPHERTEXT_PREFIX)
    assert get_adapter().decrypt(stored) not in _raw_authenticator_data()
    response = client.get("/accounts/2fa/recovery-codes/")
    codes = response.context["unused_codes"]
    assert len(codes) == 10

    assert _signs_in_with(bob, codes[0])
    assert not _signs_in_with(bob, codes[0])  # used up
    assert _signs_in_with(bob, codes[1])


def test_a_legacy_plaintext_authenticator_still_works_and_rotation_encrypts_it(
    bob: User, team: Team
) -> None:
    # Rows written before the encrypting adapter existed hold allauth's plain values.
    secret = generate_totp_secret()
    seed = secrets.token_hex(40)
    Authenticator.objects.create(user=bob, type=Authenticator.Type.TOTP, data={"secret": secret})
    recovery = Authenticator.objects.create(
        user=bob, type=Authenticator.Type.RECOVERY_CODES, data={"seed": seed, "used_mask": 0}
    )
    recovery_code = recovery.wrap().get_unused_codes()[0]
    codes = _codes(secret)
    assert _signs_in_with(bob, next(codes))
    assert secret in _raw_authenticator_data()

    out = _rotate()

    assert (
        f"{LABEL}: scanned 2, rotated 2, already current 0, empty 0, undecryptable 0, "
        "of which plaintext encrypted 2"
    ) in out
    raw = _raw_authenticator_data()
    assert secret not in raw
    assert seed not in raw
    assert raw.count(MFA_CIPHERTEXT_PREFIX) == 2
    assert _signs_in_with(bob, next(codes))
    assert _signs_in_with(bob, recovery_code)
    # A second run finds everything current and changes nothing.
    raw = _raw_authenticator_data()
    assert f"{LABEL}: scanned 2, rotated 0, already current 2" in _rotate()
    assert _raw_authenticator_data() == raw


def test_rotating_to_a_new_key_keeps_totp_sign_in_working_after_the_old_key_goes(
    bob: User, team: Team, settings: Settings
) -> None:
    secret, _ = _enrol_totp(bob)
    codes = _codes(secret)
    before = _raw_authenticator_data()

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert f"{LABEL}: scanned 2, rotated 2" in _rotate("--dry-run")
    assert _raw_authenticator_data() == before
    out = _rotate("--batch-size", "1")
    assert f"{LABEL}: scanned 2, rotated 2, already current 0, empty 0, undecryptable 0" in out
    assert "plaintext encrypted" not in out
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    totp = Authenticator.objects.get(user=bob, type=Authenticator.Type.TOTP)
    token = totp.data["secret"].removeprefix(MFA_CIPHERTEXT_PREFIX)
    assert Fernet(NEW_KEY.encode()).decrypt(token.encode()).decode() == secret
    assert _signs_in_with(bob, next(codes))


def test_a_secret_no_key_decrypts_fails_loudly_in_the_adapter_and_in_rotation(
    bob: User, settings: Settings
) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [LOST_KEY]
    stored = get_adapter().encrypt(generate_totp_secret())
    Authenticator.objects.create(user=bob, type=Authenticator.Type.TOTP, data={"secret": stored})
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(SecretDecryptionError, match="Cannot decrypt an MFA authenticator"):
        get_adapter().decrypt(stored)
    with pytest.raises(CommandError, match="could not be decrypted"):
        _rotate()
    with pytest.raises(CommandError, match=re.escape(f"Cannot decrypt {LABEL}")):
        _rotate("--fail-fast")
    assert Authenticator.objects.get(user=bob).data["secret"] == stored
