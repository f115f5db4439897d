"""Connecting over real HTTP: the live server plays the portal and the sandbox Intercom."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from connectors.models import App, Check, Connection
from connectors.providers.intercom.sandbox.models import SandboxApp, SandboxToken
from connectors.providers.intercom.sandbox.services import (
    sandbox_code_exchange,
    sandbox_code_issue,
    workspaces_ensure,
)
from portal.models import Team, User
from portal.secrets import Secret
from tests.connect.live import Dance, csrf_of, sandbox_apps_for, signed_in


@pytest.fixture
def app(team: Team, base: str) -> App:
    return sandbox_apps_for([team], base)[0]


@pytest.fixture
def bob_http(base: str, bob: User) -> Iterator[httpx.Client]:
    with signed_in(base, bob) as http:
        yield http


def test_connect_reconnect_and_disconnect_through_the_sandbox(
    base: str, app: App, bob_http: httpx.Client, admin_user: User
) -> None:
    page = Dance(bob_http, app).consent("approve")
    assert page.status_code == 200
    assert "Connected Acme Support." in page.text
    assert "badge badge-healthy" in page.text
    connection = Connection.objects.get()
    assert (connection.external_id, connection.region) == ("acme0us1", "sandbox")
    first_token = connection.access_token
    assert first_token is not None
    assert first_token.reveal().startswith("sbx_")

    page = Dance(bob_http, app).consent("approve")
    assert "Reconnected Acme Support" in page.text
    assert Connection.objects.count() == 1
    connection.refresh_from_db()
    assert connection.access_token != first_token
    assert Check.objects.filter(connection=connection).count() == 2

    with signed_in(base, admin_user) as admin_http:
        url = f"/t/{app.team.slug}/connections/{connection.pk}/disconnect/"
        confirm = admin_http.get(url)
        done = admin_http.post(url, data={"csrfmiddlewaretoken": csrf_of(confirm)})
        assert done.status_code == 302
    connection.refresh_from_db()
    assert connection.status == "disconnected"
    assert connection.access_token is None
    assert not SandboxToken.objects.filter(revoked_at__isnull=True).exists()


def test_deny_shows_the_cancellation_page_and_stores_nothing(
    app: App, bob_http: httpx.Client
) -> None:
    page = Dance(bob_http, app).consent("deny")
    assert page.status_code == 200
    assert "Connection cancelled" in page.text
    assert "Try again" in page.text
    assert not Connection.objects.exists()


def test_a_wrong_client_secret_is_a_refused_exchange(app: App, bob_http: httpx.Client) -> None:
    app.client_secret = Secret("not-the-secret-at-all")
    app.save()
    page = Dance(bob_http, app).consent("approve")
    assert page.status_code == 400
    assert "HTTP 401, unauthorized" in page.text
    assert not Connection.objects.exists()


def test_two_teams_connecting_one_workspace_get_separate_connections(
    base: str, team: Team, charlie: User, charlie_team: Team, bob_http: httpx.Client
) -> None:
    ours, theirs = sandbox_apps_for([team, charlie_team], base)
    Dance(bob_http, ours).consent("approve", workspace="globex0eu")
    with signed_in(base, charlie) as charlie_http:
        Dance(charlie_http, theirs).consent("approve", workspace="globex0eu")
    rows = Connection.objects.order_by("team_id")
    assert [(c.team_id, c.external_id) for c in rows] == [
        (team.pk, "globex0eu"),
        (charlie_team.pk, "globex0eu"),
    ]
    assert rows[0].access_token != rows[1].access_token


def _minted_token(app: App) -> str:
    sandbox_app = SandboxApp.objects.get(client_id=app.client_id)
    workspace = workspaces_ensure().get(id_code="initech0au")
    code = sandbox_code_issue(app=sandbox_app, workspace=workspace, redirect_uri="x")
    return sandbox_code_exchange(app=sandbox_app, code=code).access_token


def test_add_by_access_token_checks_it_with_the_sandbox(app: App, bob_http: httpx.Client) -> None:
    url = f"/t/{app.team.slug}/apps/{app.public_id}/add-token/"
    form = bob_http.get(url)
    refused = bob_http.post(
        url, data={"csrfmiddlewaretoken": csrf_of(form), "token": "sbx_bogus123"}
    )
    assert refused.status_code == 400
    assert "Intercom refused this token (token_not_found)" in refused.text
    assert not Connection.objects.exists()
    token = _minted_token(app)
    done = bob_http.post(url, data={"csrfmiddlewaretoken": csrf_of(form), "token": token})
    assert done.status_code == 302
    connection = Connection.objects.get()
    assert (connection.external_id, connection.status) == ("initech0au", "healthy")


def test_the_uninstall_hook_schedules_a_check_and_answers_unknown_ids(
    base: str, app: App, bob_http: httpx.Client
) -> None:
    Dance(bob_http, app).consent("approve")
    Connection.objects.update(next_check_at=None)
    with httpx.Client(base_url=base, timeout=10) as intercom:
        hook = f"/hooks/intercom/{app.public_id}/uninstall"
        assert intercom.post(hook, json={"app_id": "acme0us1"}).status_code == 200
        assert intercom.post(hook, json={"app_id": "nobody"}).status_code == 200
        assert (
            intercom.post("/hooks/intercom/nope/uninstall", json={"app_id": "x"}).status_code == 200
        )
    connection = Connection.objects.get()
    assert connection.check_requested_at is not None
    assert connection.next_check_at is not None
