"""TOTP enrolment and login, and a team that requires MFA enforcing it."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client

from portal.models import Team, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _sign_in(client: Client, email: str) -> str:
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:1500]
    return str(response["Location"])


def test_totp_enrolment_then_login_with_a_code(bob: User, team: Team) -> None:
    client = Client()
    _sign_in(client, bob.email)
    # Adding an authenticator is a sensitive action: allauth asks for the password again.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post(response["Location"], {"password": PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=bob, type=Authenticator.Type.TOTP).exists()

    fresh = Client()
    assert _sign_in(fresh, bob.email) == "/accounts/2fa/authenticate/"
    assert fresh.get("/t/alice-co/").status_code == 302  # not signed in until the code
    response = fresh.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert response.status_code == 302
    assert fresh.get("/t/alice-co/").status_code == 200


def test_only_an_owner_can_require_mfa(
    team: Team, admin_user: User, client_for: Callable[[User], Client]
) -> None:
    client_for(admin_user).post("/t/alice-co/settings/", {"name": team.name, "require_mfa": "on"})
    team.refresh_from_db()
    assert team.require_mfa is False


def test_a_member_without_mfa_is_sent_to_set_it_up(
    team: Team, alice_client: Client, bob_client: Client, bob: User
) -> None:
    alice_client.post("/t/alice-co/settings/", {"name": team.name, "require_mfa": "on"})
    team.refresh_from_db()
    assert team.require_mfa is True
    response = bob_client.get("/t/alice-co/members/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"
    page = bob_client.get(response["Location"]).content.decode()
    assert "requires two-factor authentication" in page
    Authenticator.objects.create(user=bob, type=Authenticator.Type.TOTP, data={})
    assert bob_client.get("/t/alice-co/members/").status_code == 200


def test_an_outsider_still_gets_404_from_a_team_that_requires_mfa(
    team: Team, charlie_client: Client
) -> None:
    Team.objects.filter(pk=team.pk).update(require_mfa=True)
    assert charlie_client.get("/t/alice-co/").status_code == 404
