"""Disconnecting, over real HTTP to the sandbox: a pasted access token (an internal
integration) is only forgotten, because Intercom's `POST /auth/uninstall` would uninstall
the team's own app; a connection made by OAuth is revoked as before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from connectors.models import App, AppKind, Connection
from connectors.providers.intercom.sandbox.models import SandboxApp
from portal.models import AuditEvent, Team, User
from portal.secrets import Secret
from tests.sandbox.conftest import Sandbox, sandbox, sandbox_app  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox_at(settings: Any, sandbox: Sandbox) -> Sandbox:  # noqa: F811
    settings.SANDBOX_BASE_URL = sandbox.base
    return sandbox


def _portal_app(team: Team, sandbox_app: SandboxApp, kind: str) -> App:  # noqa: F811
    return App.objects.create(
        team=team, provider="intercom", kind=kind, name="Sandbox", region="sandbox",
        client_id=sandbox_app.client_id,
        client_secret=Secret(sandbox_app.client_secret),  # type: ignore[attr-defined]
    )  # fmt: skip


def _disconnect(client: Client, connection: Connection) -> str:
    url = f"/t/{connection.team.slug}/connections/{connection.pk}/disconnect/"
    return client.post(url, follow=True).content.decode()


def test_disconnecting_an_access_token_forgets_it_and_leaves_the_app_installed(
    sandbox_at: Sandbox,
    sandbox_app: SandboxApp,  # noqa: F811
    team: Team,
    admin_user: User,
    client_for: Callable[[User], Client],
) -> None:
    issued = sandbox_at.control(
        f"apps/{sandbox_app.client_id}/access-token", {"workspace": "acme0us1"}
    ).json()
    token = issued["access_token"]
    app = _portal_app(team, sandbox_app, AppKind.INTERNAL)
    admin = client_for(admin_user)
    added = admin.post(f"/t/{team.slug}/apps/{app.public_id}/add-token/", {"token": token})
    assert added.status_code == 302, added.content.decode()
    connection = Connection.objects.get()

    confirm = admin.get(f"/t/{team.slug}/connections/{connection.pk}/disconnect/")
    assert "will not revoke it" in confirm.content.decode()
    text = _disconnect(admin, connection)

    assert "regenerate it on the app&#x27;s Authentication page" in text
    assert "Developer Hub" in text
    connection.refresh_from_db()
    assert (connection.status, connection.access_token) == ("disconnected", None)
    # The token still works at Intercom, and the app is still installed there.
    assert sandbox_at.me(token).status_code == 200
    state = sandbox_at.control(f"apps/{sandbox_app.client_id}").json()
    assert state["installed_in"] == ["acme0us1"]
    event = AuditEvent.objects.get(action="connection.disconnected")
    assert event.details["revoked"] is False
    assert "not revoked" in event.details["revoke_outcome"]


def test_disconnecting_an_oauth_connection_revokes_the_token(
    sandbox_at: Sandbox,
    sandbox_app: SandboxApp,  # noqa: F811
    team: Team,
    admin_user: User,
    client_for: Callable[[User], Client],
) -> None:
    token = sandbox_at.connect(sandbox_app)["access_token"]
    app = _portal_app(team, sandbox_app, AppKind.PUBLIC)
    connection = Connection.objects.create(
        team=team, app=app, provider="intercom", external_id="acme0us1",
        workspace_name="Acme Support", region="sandbox", access_token=Secret(token),
    )  # fmt: skip
    admin = client_for(admin_user)
    confirm = admin.get(f"/t/{team.slug}/connections/{connection.pk}/disconnect/")
    assert "ask the provider to revoke the token" in confirm.content.decode()
    text = _disconnect(admin, connection)

    assert "Intercom revoked the token" in text
    answer = sandbox_at.me(token)
    assert answer.status_code == 401
    assert answer.json()["errors"][0]["code"] == "token_revoked"
    assert sandbox_at.control(f"apps/{sandbox_app.client_id}").json()["installed_in"] == []
    assert AuditEvent.objects.get(action="connection.disconnected").details["revoked"] is True
