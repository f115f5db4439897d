"""Replacing the client secret needs a fresh sign-in, and the secret never comes back out."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from connectors.models import App
from portal.models import AuditEvent, Team
from portal.secrets import Secret
from tests.connectors.app_support import (
    NEW_SECRET,
    SECRET,
    leak_guard,  # noqa: F401 (fixture)
    reauthenticate,
)
from tests.connectors.factories import AppFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("leak_guard")]


def _url(app: App) -> str:
    return reverse(
        "app_secret", kwargs={"team_slug": app.team.slug, "app_public_id": app.public_id}
    )


def test_replacing_the_secret_asks_for_the_password_first(team: Team, alice_client: Client) -> None:
    app = AppFactory(team=team, client_secret=SECRET)
    response = alice_client.post(_url(app), {"client_secret": NEW_SECRET})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    app.refresh_from_db()
    assert app.client_secret == Secret(SECRET)


def test_after_reauthenticating_the_secret_is_replaced_and_audited(
    team: Team, alice_client: Client
) -> None:
    app = AppFactory(team=team, client_secret=SECRET)
    reauthenticate(alice_client)

    page = alice_client.get(_url(app)).content.decode()
    assert SECRET not in page
    assert 'value="' + SECRET not in page
    response = alice_client.post(_url(app), {"client_secret": f"  {NEW_SECRET} "})

    assert response.status_code == 302
    app.refresh_from_db()
    assert app.client_secret == Secret(NEW_SECRET)
    assert app.secret_replaced_at is not None
    assert AuditEvent.objects.filter(team=team, action="app.secret_replaced").count() == 1
    detail = alice_client.get(response["Location"]).content.decode()
    assert f"••••{NEW_SECRET[-4:]}" in detail


def test_a_bad_new_secret_keeps_the_old_one(team: Team, alice_client: Client) -> None:
    app = AppFactory(team=team, client_secret=SECRET)
    reauthenticate(alice_client)
    for bad, message in (
        ("", "Paste the new Client secret"),
        ("has inner space-1234", "contains a space"),
        ("tiny", "shorter than this secret can be"),
    ):
        response = alice_client.post(_url(app), {"client_secret": bad})
        assert response.status_code == 200
        assert message in response.content.decode()
    app.refresh_from_db()
    assert app.client_secret == Secret(SECRET)
    assert not AuditEvent.objects.filter(action="app.secret_replaced").exists()


def test_the_secret_form_never_echoes_what_was_typed(team: Team, alice_client: Client) -> None:
    app = AppFactory(team=team)
    reauthenticate(alice_client)
    typed = "typed-but-too-long-" + "z" * 300
    html = alice_client.post(_url(app), {"client_secret": typed}).content.decode()
    assert "longer than this secret can be" in html
    assert typed not in html
