"""The sandbox Developer Hub: create an app, see its credentials once, edit it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from connectors.providers.intercom.sandbox.credentials import digest
from connectors.providers.intercom.sandbox.models import SandboxApp, SandboxWorkspace

pytestmark = pytest.mark.django_db
INDEX = "/sandbox/intercom/"


def test_index_lists_the_demo_workspaces_with_their_regions(client: Client) -> None:
    page = client.get(INDEX)
    assert reverse("sandbox_intercom_index") == INDEX
    assert page.status_code == 200
    text = page.content.decode()
    for name, region in [("Acme Support", "US"), ("Globex EU", "EU"), ("Initech AU", "AU")]:
        assert name in text
        assert SandboxWorkspace.objects.get(name=name).region == region
    assert "http://testserver/sandbox/intercom" in text


def test_creating_an_app_shows_client_id_and_secret_once_and_stores_only_a_hash(
    client: Client,
) -> None:
    answer = client.post(
        reverse("sandbox_intercom_app_create"),
        {
            "name": "Try it",
            "redirect_uris": "http://testserver/cb/one\r\n\r\nhttp://testserver/cb/two\n",
            "token_lifetime_seconds": "3600",
        },
    )
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    app = SandboxApp.objects.get(name="Try it")
    secret = answer.context["client_secret"]
    text = answer.content.decode()
    assert app.client_id in text
    assert secret in text
    assert app.redirect_uris == ["http://testserver/cb/one", "http://testserver/cb/two"]
    assert app.client_secret_hash == digest(secret)
    assert app.expiring_tokens is False

    listing = client.get(INDEX).content.decode()
    assert app.client_id in listing
    assert secret not in listing
    assert f"…{secret[-4:]}" in listing


@pytest.mark.parametrize(
    ("redirect_uris", "message"),
    [
        ("", "Add at least one redirect URL"),
        ("not a url", "is not an absolute http(s) URL"),
        ("ftp://example.com/cb", "is not an absolute http(s) URL"),
    ],
)
def test_a_bad_redirect_url_is_explained_and_nothing_is_created(
    client: Client, redirect_uris: str, message: str
) -> None:
    answer = client.post(
        reverse("sandbox_intercom_app_create"),
        {"name": "Bad", "redirect_uris": redirect_uris, "token_lifetime_seconds": "3600"},
    )
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not SandboxApp.objects.exists()


def test_editing_an_app_replaces_its_redirect_urls_and_token_options(
    client: Client, sandbox_app: SandboxApp
) -> None:
    url = reverse("sandbox_intercom_app_edit", args=[sandbox_app.client_id])
    assert client.get(url).status_code == 200
    answer = client.post(
        url,
        {
            "redirect_uris": "https://portal.example/cb\nhttp://localhost:8000/cb",
            "expiring_tokens": "on",
            "token_lifetime_seconds": "120",
        },
    )
    assert answer.status_code == 302
    sandbox_app.refresh_from_db()
    assert sandbox_app.redirect_uris == ["https://portal.example/cb", "http://localhost:8000/cb"]
    assert sandbox_app.expiring_tokens is True
    assert sandbox_app.token_lifetime_seconds == 120


def test_editing_with_no_redirect_url_keeps_the_old_ones(
    client: Client, sandbox_app: SandboxApp
) -> None:
    before = list(sandbox_app.redirect_uris)
    url = reverse("sandbox_intercom_app_edit", args=[sandbox_app.client_id])
    answer = client.post(url, {"redirect_uris": "  ", "token_lifetime_seconds": "60"})
    assert answer.status_code == 400
    assert "Add at least one redirect URL" in answer.content.decode()
    sandbox_app.refresh_from_db()
    assert sandbox_app.redirect_uris == before


def test_a_new_secret_replaces_the_old_one(client: Client, sandbox_app: SandboxApp) -> None:
    old_hash = sandbox_app.client_secret_hash
    answer = client.post(
        reverse("sandbox_intercom_app_rotate_secret", args=[sandbox_app.client_id])
    )
    assert answer.status_code == 200
    sandbox_app.refresh_from_db()
    assert sandbox_app.client_secret_hash == digest(answer.context["client_secret"])
    assert sandbox_app.client_secret_hash != old_hash


def test_the_workspace_control_form_changes_how_me_answers(client: Client) -> None:
    client.get(INDEX)
    answer = client.post(
        reverse("sandbox_intercom_workspace_control", args=["globex0eu"]),
        {
            "globex0eu-mode": "403",
            "globex0eu-latency_ms": "250",
            "globex0eu-rate_limit_reset_in": "60",
            "globex0eu-timeout_seconds": "5",
        },
        follow=True,
    )
    assert answer.status_code == 200
    workspace = SandboxWorkspace.objects.get(id_code="globex0eu")
    assert (workspace.mode, workspace.latency_ms, workspace.timeout_seconds) == ("403", 250, 5)
    assert "mode 403" in answer.content.decode()


def test_a_bad_control_form_changes_nothing_and_says_why(client: Client) -> None:
    client.get(INDEX)
    answer = client.post(
        reverse("sandbox_intercom_workspace_control", args=["acme0us1"]),
        {
            "acme0us1-mode": "403",
            "acme0us1-latency_ms": "-5",
            "acme0us1-rate_limit_reset_in": "60",
            "acme0us1-timeout_seconds": "5",
        },
        follow=True,
    )
    assert "Nothing changed for Acme Support" in answer.content.decode()
    assert SandboxWorkspace.objects.get(id_code="acme0us1").mode == "ok"


def test_the_hub_lists_recent_tokens_and_revokes_one_by_hand(
    client: Client, sandbox_app: SandboxApp
) -> None:
    from connectors.providers.intercom.sandbox import services
    from connectors.providers.intercom.sandbox.models import SandboxToken

    workspace = services.workspaces_ensure().get(id_code="acme0us1")
    code = services.sandbox_code_issue(
        app=sandbox_app, workspace=workspace, redirect_uri=sandbox_app.redirect_uris[0]
    )
    issued = services.sandbox_code_exchange(app=sandbox_app, code=code)
    page = client.get(INDEX).content.decode()
    assert f"{issued.access_token[:12]}…" in page
    assert issued.access_token not in page
    assert "Revoke now" in page
    row = SandboxToken.objects.get()
    answer = client.post(reverse("sandbox_intercom_token_revoke", args=[row.pk]), follow=True)
    assert "Revoked the token" in answer.content.decode()
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_the_permissions_form_withholds_and_grants_permissions(client: Client) -> None:
    client.get(INDEX)  # the demo workspaces exist once the hub has been opened
    url = reverse("sandbox_intercom_workspace_permissions", args=["globex0eu"])
    field = "globex0eu-permissions-withheld"
    answer = client.post(url, {field: ["read_tags", "read_conversations"]}, follow=True)
    assert "withheld permissions: read_conversations, read_tags" in answer.content.decode()
    workspace = SandboxWorkspace.objects.get(id_code="globex0eu")
    assert workspace.withheld_permissions == ["read_conversations", "read_tags"]
    page = client.get(INDEX).content.decode()
    assert 'name="globex0eu-permissions-withheld" value="read_tags"' in page
    refused = client.post(url, {field: ["read_minds"]}, follow=True)
    assert "Nothing changed for Globex EU" in refused.content.decode()
    client.post(url, {})
    workspace.refresh_from_db()
    assert workspace.withheld_permissions == []
