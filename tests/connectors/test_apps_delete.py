"""Deleting an app lists what it disconnects, wipes tokens and secret, and keeps history."""

from __future__ import annotations

import pytest
from django.db import connection as db
from django.test import Client
from django.urls import reverse

from connectors.models import App, Connection, Transition
from portal.models import AuditEvent, Team
from tests.connectors.app_support import (
    leak_guard,  # noqa: F401 (fixture)
    reauthenticate,
)
from tests.connectors.factories import AppFactory, ConnectionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("leak_guard")]


def _url(app: App) -> str:
    return reverse(
        "app_delete", kwargs={"team_slug": app.team.slug, "app_public_id": app.public_id}
    )


def test_delete_needs_a_fresh_sign_in(team: Team, alice_client: Client) -> None:
    app = AppFactory(team=team)
    response = alice_client.post(_url(app))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert App.objects.filter(pk=app.pk).exists()


def test_the_confirm_page_lists_the_connections_to_be_disconnected(
    team: Team, alice_client: Client
) -> None:
    app = AppFactory(team=team)
    ConnectionFactory(app=app, workspace_name="Acme EU")
    ConnectionFactory(app=app, workspace_name="Globex")
    reauthenticate(alice_client)
    html = alice_client.get(_url(app)).content.decode()
    assert "Acme EU" in html
    assert "Globex" in html
    assert "will be <strong>disconnected</strong>" in html


def test_deleting_disconnects_wipes_tokens_and_keeps_the_audit_trail(
    team: Team, alice_client: Client
) -> None:
    app = AppFactory(team=team, name="Doomed")
    kept = ConnectionFactory(app=app, status="healthy")
    other = ConnectionFactory(team=team, app=AppFactory(team=team))
    reauthenticate(alice_client)

    response = alice_client.post(_url(app))

    assert response.status_code == 302
    assert response["Location"] == reverse("app_list", kwargs={"team_slug": team.slug})
    assert not App.objects.filter(pk=app.pk).exists()
    kept.refresh_from_db()
    assert kept.status == "disconnected"
    assert kept.access_token is None
    assert kept.refresh_token is None
    assert kept.disconnected_at is not None
    assert kept.app is None
    assert Transition.objects.filter(connection=kept, to_status="disconnected").count() == 1
    other.refresh_from_db()
    assert other.status == "healthy"
    assert other.access_token is not None
    event = AuditEvent.objects.get(team=team, action="app.deleted")
    assert event.details["connections_disconnected"] == 1
    assert event.details["name"] == "Doomed"
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token FROM connectors_connection WHERE id = %s", [kept.pk])
        assert cursor.fetchone()[0] is None
    flashed = alice_client.get(response["Location"]).content.decode()
    assert "App “Doomed” deleted. 1 connection disconnected." in flashed


def test_a_member_cannot_delete(team: Team, bob_client: Client) -> None:
    app = AppFactory(team=team)
    assert bob_client.post(_url(app)).status_code == 403
    assert Connection.objects.count() == 0
    assert App.objects.filter(pk=app.pk).exists()


def test_deleting_tells_the_team_about_each_disconnected_connection(
    team: Team, alice_client: Client
) -> None:
    from connectors.notify.models import OutboxEvent

    app = AppFactory(team=team, name="Doomed")
    first = ConnectionFactory(app=app, status="healthy")
    second = ConnectionFactory(app=app, status="failing")
    ConnectionFactory(app=app, status="disconnected")
    reauthenticate(alice_client)

    alice_client.post(_url(app))

    events = OutboxEvent.objects.filter(event_type="connection.disconnected")
    assert sorted(e.connection_id for e in events) == sorted([first.pk, second.pk])
    audited = AuditEvent.objects.filter(action="connection.disconnected")
    assert sorted(int(e.target_id) for e in audited) == sorted([first.pk, second.pk])
    assert all("Doomed" in e.details.get("reason", "Doomed") for e in audited)
