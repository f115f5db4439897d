"""Finding 1 (issue 17): a stolen session older than the reauthentication window could add
an email at /accounts/email/, confirm it, reset the password through it, then pass
reauthentication and mint an API key; the old address was never told. Now every change
to emails, password or MFA asks for the password again, and the address in use hears of
each change."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from portal.models import User
from tests.factories import PASSWORD
from tests.security.conftest import fresh_login

pytestmark = pytest.mark.django_db

THIEF = "thief@evil.example"
NEW_PASSWORD = "a-brand-new-passphrase-42"


def stolen(user: User) -> Client:
    """A session signed in (and re-authenticated) an hour ago, as a thief would hold it."""
    client = fresh_login(user)
    session = client.session
    records = session["account_authentication_methods"]
    for record in records:
        record["at"] -= 3600
    session["account_authentication_methods"] = records
    session.save()
    return client


def asks_for_the_password(answer: object) -> bool:
    location = getattr(answer, "headers", {}).get("Location", "")
    return getattr(answer, "status_code", 0) == 302 and "/reauthenticate/" in location


def test_an_old_session_cannot_add_an_email(alice: User) -> None:
    thief = stolen(alice)
    answer = thief.post("/accounts/email/", {"action_add": "", "email": THIEF})
    assert asks_for_the_password(answer)
    assert not EmailAddress.objects.filter(email=THIEF).exists()
    assert not [m for m in mail.outbox if THIEF in m.to]


def test_an_old_session_cannot_change_the_password(alice: User) -> None:
    # The change form itself asks for the current password, which the thief lacks.
    thief = stolen(alice)
    answer = thief.post(
        "/accounts/password/change/",
        {"oldpassword": "a guess", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert answer.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


@pytest.mark.parametrize(
    "path", ["/accounts/2fa/totp/activate/", "/accounts/2fa/recovery-codes/generate/"]
)
def test_an_old_session_cannot_touch_mfa(alice: User, path: str) -> None:
    assert asks_for_the_password(stolen(alice).get(path))


def test_changing_the_email_tells_the_old_address(alice: User) -> None:
    old = alice.email
    owner = fresh_login(alice)
    mail.outbox.clear()
    owner.post("/accounts/email/", {"action_add": "", "email": "alice.new@example.com"})
    (verification,) = [m for m in mail.outbox if "alice.new@example.com" in m.to]
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", verification.body, re.M)
    assert code is not None, verification.body
    owner.post("/accounts/confirm-email/", {"code": code.group(1)})
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.com"
    notices = [m for m in mail.outbox if old in m.to]
    assert notices, [m.subject for m in mail.outbox]
    assert "alice.new@example.com" in notices[-1].body


def test_changing_the_password_tells_the_owner(alice: User) -> None:
    owner = fresh_login(alice)
    mail.outbox.clear()
    owner.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert [m for m in mail.outbox if alice.email in m.to]
