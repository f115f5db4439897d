"""Add by access token, disconnect, and the uninstall hook (Intercom's network faked)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client

from connectors.models import App, Connection
from portal.models import AuditEvent, User
from portal.secrets import Secret
from tests.connect.fake_intercom import TOKEN, FakeIntercom, error_list
from tests.connectors.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def add_token_url(app: App) -> str:
    return f"/t/{app.team.slug}/apps/{app.public_id}/add-token/"


def test_a_good_token_is_checked_and_connected(
    bob_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    response = bob_client.post(add_token_url(app), {"token": TOKEN})
    connection = Connection.objects.get()
    assert response.status_code == 302
    assert connection.access_token == Secret(TOKEN)
    assert connection.status == "healthy"
    assert fake_intercom.urls() == ["https://api.intercom.io/me"]
    assert fake_intercom.calls[0][2]["headers"]["Intercom-Version"] == "2.16"


def test_a_rejected_token_is_a_form_error_quoting_intercoms_code(
    bob_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    fake_intercom.me_answer = (401, error_list("token_not_found", "Token not found"))
    page = bob_client.post(add_token_url(app), {"token": TOKEN})
    assert page.status_code == 400
    text = page.content.decode()
    assert "Intercom refused this token (token_not_found)" in text
    assert TOKEN not in text
    assert not Connection.objects.exists()


def test_disconnect_asks_first_then_revokes_wipes_and_keeps_history(
    admin_user: User,
    client_for: Callable[[User], Client],
    app: App,
    fake_intercom: FakeIntercom,
) -> None:
    connection = ConnectionFactory(app=app, access_token=Secret(TOKEN))
    url = f"/t/{app.team.slug}/connections/{connection.pk}/disconnect/"
    admin = client_for(admin_user)
    assert "Disconnect" in admin.get(url).content.decode()
    assert fake_intercom.calls == []
    response = admin.post(url, follow=True)
    assert "Disconnected" in response.content.decode()
    method, revoke_url, kwargs = fake_intercom.calls[0]
    assert (method, revoke_url) == ("POST", "https://api.intercom.io/auth/uninstall")
    assert kwargs["bearer"] == Secret(TOKEN)
    connection.refresh_from_db()
    assert connection.status == "disconnected"
    assert connection.access_token is None
    assert connection.disconnected_at is not None
    assert connection.transitions.get().to_status == "disconnected"
    event = AuditEvent.objects.get(action="connection.disconnected")
    assert event.details["revoked"] is True


def test_a_failed_revoke_still_wipes_and_records_the_outcome(
    admin_user: User, client_for: Callable[[User], Client], app: App, fake_intercom: FakeIntercom
) -> None:
    fake_intercom.revoke_answer = "timeout"
    connection = ConnectionFactory(app=app)
    url = f"/t/{app.team.slug}/connections/{connection.pk}/disconnect/"
    response = client_for(admin_user).post(url, follow=True)
    assert "revoking it at the provider failed" in response.content.decode()
    connection.refresh_from_db()
    assert connection.access_token is None
    event = AuditEvent.objects.get(action="connection.disconnected")
    assert event.details["revoked"] is False
    assert "could not be reached" in event.details["revoke_outcome"]


def test_members_cannot_disconnect(bob_client: Client, app: App) -> None:
    connection = ConnectionFactory(app=app)
    url = f"/t/{app.team.slug}/connections/{connection.pk}/disconnect/"
    assert bob_client.post(url).status_code == 403
    connection.refresh_from_db()
    assert connection.access_token is not None


def test_the_connection_page_shows_identity_status_and_checks(bob_client: Client, app: App) -> None:
    connection = ConnectionFactory(app=app, workspace_name="Acme Support", external_id="acme0us1")
    page = bob_client.get(f"/t/{app.team.slug}/connections/{connection.pk}/")
    text = page.content.decode()
    assert "Acme Support" in text
    assert "acme0us1" in text
    assert "badge badge-healthy" in text
    assert "Reconnect" in text
    assert "/disconnect/" not in text  # members may not disconnect


def hook_url(app: App) -> str:
    return f"/hooks/intercom/{app.public_id}/uninstall"


def test_the_uninstall_hook_schedules_an_immediate_check(client: Client, app: App) -> None:
    connection = ConnectionFactory(app=app, external_id="acme0us1", next_check_at=None)
    other = ConnectionFactory(app=app, external_id="other01", next_check_at=None)
    response = client.post(hook_url(app), {"app_id": "acme0us1"}, content_type="application/json")
    assert response.status_code == 200
    connection.refresh_from_db()
    other.refresh_from_db()
    assert connection.next_check_at is not None
    assert connection.check_requested_at is not None
    assert connection.status == "healthy"  # a hint, never proof
    assert other.next_check_at is None


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/hooks/intercom/unknown-app/uninstall", b'{"app_id": "acme0us1"}'),
        (None, b'{"app_id": "no-such-workspace"}'),
        (None, b"not json"),
        ("/hooks/nosuchprovider/x/uninstall", b'{"app_id": "acme0us1"}'),
    ],
    ids=["unknown-app", "unknown-workspace", "garbage", "unknown-provider"],
)
def test_the_uninstall_hook_answers_unknown_ids_with_the_same_200(
    client: Client, app: App, path: str | None, body: bytes
) -> None:
    response = client.post(path or hook_url(app), body, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_the_uninstall_hook_is_rate_limited(client: Client, app: App) -> None:
    cache.clear()
    answers = [
        client.post(hook_url(app), {"app_id": "x"}, content_type="application/json").status_code
        for _ in range(61)
    ]
    assert answers[:60] == [200] * 60  # the README: 60 a minute per sender address
    assert answers[-1] == 429


def test_the_app_page_offers_connect_add_by_token_and_the_uninstall_url(
    bob_client: Client, app: App
) -> None:
    text = bob_client.get(f"/t/{app.team.slug}/apps/{app.public_id}/").content.decode()
    assert f'action="/t/{app.team.slug}/apps/{app.public_id}/connect/"' in text
    assert "Connect workspace" in text
    assert "Add by access token" in text
    assert f"http://testserver/hooks/intercom/{app.public_id}/uninstall" in text
