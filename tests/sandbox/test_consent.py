"""The consent page at /oauth: validates the app and redirect URL, then Approve or Deny."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from connectors.providers.intercom.sandbox.credentials import digest
from connectors.providers.intercom.sandbox.models import SandboxApp, SandboxCode
from tests.sandbox.factories import CALLBACK, SandboxAppFactory

pytestmark = pytest.mark.django_db
OAUTH = "/sandbox/intercom/oauth"


def _query(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def test_the_consent_page_names_the_app_and_offers_the_demo_workspaces(
    client: Client, sandbox_app: SandboxApp
) -> None:
    page = client.get(OAUTH, {"client_id": sandbox_app.client_id, "state": "abc"})
    assert page.status_code == 200
    text = page.content.decode()
    assert sandbox_app.name in text
    for name in ["Acme Support", "Globex EU", "Initech AU"]:
        assert name in text
    assert "Approve" in text
    assert "Deny" in text
    assert 'name="csrfmiddlewaretoken"' in text


def test_an_unknown_client_id_gets_an_error_page_not_a_redirect(client: Client) -> None:
    page = client.get(OAUTH, {"client_id": "nope", "state": "abc", "redirect_uri": CALLBACK})
    assert page.status_code == 400
    assert "Unknown app" in page.content.decode()
    assert "Location" not in page


def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(
    client: Client, sandbox_app: SandboxApp
) -> None:
    query = {"client_id": sandbox_app.client_id, "redirect_uri": "https://evil.example/cb"}
    for method in (client.get, client.post):
        page = method(
            f"{OAUTH}?client_id={query['client_id']}&redirect_uri={query['redirect_uri']}"
        )
        assert page.status_code == 400
        assert "Redirect URL not registered" in page.content.decode()
        assert "Location" not in page
    assert not SandboxCode.objects.exists()


def test_approve_redirects_with_a_code_and_the_state_and_stores_the_code_hashed(
    client: Client, sandbox_app: SandboxApp
) -> None:
    answer = client.post(
        f"{OAUTH}?client_id={sandbox_app.client_id}&state=xyz%3D1&redirect_uri={CALLBACK}",
        {"workspace": "globex0eu", "approve": "1"},
    )
    assert answer.status_code == 302
    assert answer["Location"].startswith(CALLBACK + "?")
    query = _query(answer["Location"])
    assert query["state"] == "xyz=1"
    row = SandboxCode.objects.get()
    assert row.code_hash == digest(query["code"])
    assert row.workspace.id_code == "globex0eu"


def test_without_redirect_uri_the_first_registered_one_is_used(client: Client) -> None:
    app = SandboxAppFactory(redirect_uris=["http://testserver/first?keep=1", "http://testserver/2"])
    answer = client.post(
        f"{OAUTH}?client_id={app.client_id}&state=s", {"workspace": "acme0us1", "approve": "1"}
    )
    assert answer.status_code == 302
    assert answer["Location"].startswith("http://testserver/first?")
    assert _query(answer["Location"])["keep"] == "1"


def test_deny_redirects_with_access_denied_and_the_state(
    client: Client, sandbox_app: SandboxApp
) -> None:
    answer = client.post(f"{OAUTH}?client_id={sandbox_app.client_id}&state=st", {"deny": "1"})
    assert answer.status_code == 302
    query = _query(answer["Location"])
    assert query["error"] == "access_denied"
    assert query["state"] == "st"
    assert query["error_description"]
    assert "code" not in query
    assert not SandboxCode.objects.exists()


def test_approving_without_a_workspace_asks_for_one(
    client: Client, sandbox_app: SandboxApp
) -> None:
    answer = client.post(f"{OAUTH}?client_id={sandbox_app.client_id}&state=s", {"approve": "1"})
    assert answer.status_code == 400
    assert "Choose the workspace to connect." in answer.content.decode()
    assert not SandboxCode.objects.exists()


def test_the_consent_form_is_protected_by_csrf(sandbox_app: SandboxApp) -> None:
    strict = Client(enforce_csrf_checks=True)
    answer = strict.post(
        f"{OAUTH}?client_id={sandbox_app.client_id}", {"workspace": "acme0us1", "approve": "1"}
    )
    assert answer.status_code == 403
