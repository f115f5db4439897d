"""Connecting through allauth's real views, with Intercom's network faked."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from connectors.models import App, Check, Connection, Transition
from portal.models import AuditEvent, User
from portal.secrets import Secret
from tests.connect.conftest import callback_url, connect_url, start
from tests.connect.fake_intercom import ME_BODY, TOKEN, FakeIntercom

pytestmark = pytest.mark.django_db


def test_connect_redirects_to_the_regions_consent_page_with_client_id_state_and_redirect_uri(
    bob_client: Client, app: App
) -> None:
    started = start(bob_client, app)
    parts = urlsplit(started.location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://app.intercom.com/oauth"
    assert started.query["client_id"] == [app.client_id]
    assert started.query["redirect_uri"] == [
        f"http://testserver/accounts/intercom/intercom-{app.public_id}/login/callback/"
    ]
    assert started.state
    assert "scope" not in started.query


def test_connect_is_a_post_for_members_and_above(
    viewer: User, client_for: object, app: App, bob_client: Client
) -> None:
    assert bob_client.get(connect_url(app)).status_code == 405
    viewer_client = client_for(viewer)  # type: ignore[operator]
    assert viewer_client.post(connect_url(app)).status_code == 403


def test_the_callback_creates_a_healthy_connection_with_the_token_encrypted(
    bob: User, bob_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    started = start(bob_client, app)
    response = bob_client.get(callback_url(app), {"code": "abc=", "state": started.state})
    connection = Connection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/t/{app.team.slug}/connections/{connection.pk}/"
    assert connection.team == app.team
    assert connection.app == app
    assert connection.external_id == "acme0us1"
    assert connection.workspace_name == "Acme Support"
    assert connection.admin_name == "Ada Acme"
    assert connection.admin_email == "ops@acme.example"
    assert connection.region == "us"
    assert connection.connected_by == bob
    assert connection.access_token == Secret(TOKEN)
    assert connection.status == "healthy"
    raw = Connection.objects.filter(pk=connection.pk).values_list("access_token", flat=True)[0]
    assert TOKEN not in str(raw)
    check = Check.objects.get()
    assert (check.outcome, check.status_after, check.trigger) == ("ok", "healthy", "connect")
    transition = Transition.objects.get()
    assert (transition.from_status, transition.to_status) == ("pending", "healthy")
    assert AuditEvent.objects.filter(action="connection.connected", actor=bob).exists()
    # The exchange sent the code exactly, form-encoded, with the client's credentials.
    method, url, kwargs = fake_intercom.calls[0]
    assert (method, url) == ("POST", "https://api.intercom.io/auth/eagle/token")
    assert kwargs["data"]["code"] == "abc="
    assert kwargs["data"]["client_id"] == app.client_id
    assert fake_intercom.urls()[1] == "https://api.intercom.io/me"


def test_no_user_is_created_logged_in_or_linked(
    bob: User, bob_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    from allauth.socialaccount.models import SocialAccount, SocialToken

    users = User.objects.count()
    started = start(bob_client, app)
    bob_client.get(callback_url(app), {"code": "c", "state": started.state})
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()
    assert not SocialToken.objects.exists()
    page = bob_client.get(f"/t/{app.team.slug}/connections/{Connection.objects.get().pk}/")
    assert page.context["user"] == bob


@pytest.mark.parametrize(
    "body",
    [{"token_type": "Bearer", "token": TOKEN}, {"token_type": "Bearer", "access_token": TOKEN}],
    ids=["token-only", "access_token-only"],
)
def test_the_callback_accepts_token_or_access_token(
    bob_client: Client, app: App, fake_intercom: FakeIntercom, body: dict[str, str]
) -> None:
    fake_intercom.token_answer = (200, body)
    started = start(bob_client, app)
    bob_client.get(callback_url(app), {"code": "c", "state": started.state})
    assert Connection.objects.get().access_token == Secret(TOKEN)


def test_connecting_the_same_workspace_again_is_a_reconnect_not_a_duplicate(
    alice: User, alice_client: Client, bob_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    started = start(bob_client, app)
    bob_client.get(callback_url(app), {"code": "c1", "state": started.state})
    first = Connection.objects.get()
    Connection.objects.filter(pk=first.pk).update(status="revoked")
    fake_intercom.token_answer = (200, {"token": "tok_second_" + "y" * 30})
    started = start(alice_client, app)
    response = alice_client.get(callback_url(app), {"code": "c2", "state": started.state})
    assert response.status_code == 302
    again = Connection.objects.get()
    assert again.pk == first.pk
    assert again.access_token == Secret("tok_second_" + "y" * 30)
    assert again.status == "healthy"
    assert again.reconnected_at is not None
    assert Check.objects.filter(connection=again).count() == 2
    assert list(again.transitions.order_by("id").values_list("from_status", "to_status")) == [
        ("pending", "healthy"),
        ("revoked", "pending"),
        ("pending", "healthy"),
    ]
    assert AuditEvent.objects.filter(action="connection.reconnected", actor=alice).exists()


def test_a_workspace_in_another_region_stores_the_true_region_and_says_so(
    bob_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    fake_intercom.me_answer = (200, {**ME_BODY, "app": {**ME_BODY["app"], "region": "EU"}})
    started = start(bob_client, app)
    response = bob_client.get(callback_url(app), {"code": "c", "state": started.state}, follow=True)
    assert Connection.objects.get().region == "eu"
    text = response.content.decode()
    assert "EU (app.eu.intercom.com) region" in text
    assert "true region" in text


def test_the_login_page_lists_no_registered_app(client: Client, app: App) -> None:
    from allauth.socialaccount.adapter import get_adapter

    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert app.name not in page.content.decode()
    assert "intercom" not in page.content.decode().lower()
    assert get_adapter().list_providers(page.wsgi_request) == []
