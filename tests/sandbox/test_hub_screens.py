"""The sandbox Developer Hub's screens, named as the setup guide names Intercom's: New app
(with the type), Authentication (Edit, Use OAuth, Add redirect URL, Save; an internal
integration's access token) and Basic information (Client ID and secret)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from connectors.providers.intercom.sandbox.credentials import digest
from connectors.providers.intercom.sandbox.models import SandboxApp, SandboxToken

pytestmark = pytest.mark.django_db
CALLBACK = "http://testserver/accounts/intercom/intercom-abc123/login/callback/"


def _create(client: Client, app_type: str) -> SandboxApp:
    page = client.get(reverse("sandbox_intercom_app_new"))
    assert page.status_code == 200
    html = page.content.decode()
    for words in ("New app", "Public app", "Internal integration", "Workspace", "Create app"):
        assert words in html
    answer = client.post(
        reverse("sandbox_intercom_app_new"),
        {"name": "Guide app", "workspace": "acme0us1", "app_type": app_type},
    )
    app = SandboxApp.objects.get(name="Guide app")
    assert answer.status_code == 302
    assert answer["Location"] == reverse(
        "sandbox_intercom_app_authentication", args=[app.client_id]
    )
    return app


def test_a_public_app_follows_the_guide_edit_use_oauth_add_redirect_url_save(
    client: Client,
) -> None:
    app = _create(client, "public")
    assert (app.app_type, app.use_oauth, app.redirect_uris) == ("public", False, [])
    url = reverse("sandbox_intercom_app_authentication", args=[app.client_id])
    page = client.get(url).content.decode()
    assert "Authentication" in page
    assert "Edit" in page

    editing = client.get(url, {"edit": "1"}).content.decode()
    assert "Use OAuth" in editing
    assert "Add redirect URL" in editing
    added = client.post(url, {"use_oauth": "on", "redirect_url_0": "", "add_redirect_url": "1"})
    assert "Redirect URL 2" in added.content.decode()  # one more box, nothing saved
    saved = client.post(
        url, {"use_oauth": "on", "redirect_url_0": CALLBACK, "redirect_url_1": "", "save": "1"}
    )
    assert saved.status_code == 302
    app.refresh_from_db()
    assert (app.use_oauth, app.redirect_uris) == (True, [CALLBACK])


def test_use_oauth_without_a_redirect_url_is_refused(client: Client) -> None:
    app = _create(client, "public")
    url = reverse("sandbox_intercom_app_authentication", args=[app.client_id])
    answer = client.post(url, {"use_oauth": "on", "redirect_url_0": "", "save": "1"})
    assert answer.status_code == 400
    assert "Add at least one redirect URL" in answer.content.decode()
    app.refresh_from_db()
    assert app.use_oauth is False


def test_basic_information_shows_the_client_id_and_secret(client: Client) -> None:
    app = _create(client, "public")
    page = client.get(reverse("sandbox_intercom_app_basic_information", args=[app.client_id]))
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert "Client ID" in html
    assert "Client secret" in html
    secret = page.context["client_secret"]
    assert app.client_id in html
    assert digest(secret) == app.client_secret_hash


def test_the_consent_page_refuses_an_app_with_oauth_off(client: Client) -> None:
    app = _create(client, "public")
    answer = client.get(reverse("sandbox_intercom_oauth"), {"client_id": app.client_id})
    assert answer.status_code == 400
    assert "OAuth is off for this app" in answer.content.decode()


def test_an_internal_integration_shows_its_access_token_for_its_workspace(
    client: Client,
) -> None:
    app = _create(client, "internal")
    url = reverse("sandbox_intercom_app_authentication", args=[app.client_id])
    html = client.get(url).content.decode()
    assert "Access token" in html
    assert "Use OAuth" not in html
    answer = client.post(
        reverse("sandbox_intercom_app_access_token", args=[app.client_id]),
        {"workspace": "acme0us1"},
    )
    token = answer.context["access_token"]
    issued = SandboxToken.objects.get(app=app)
    assert issued.workspace.id_code == "acme0us1"
    assert issued.token_hash == digest(token)
