"""Control characters: refused with a form error in every name a person types, and
stripped from names a provider sends before they reach a mail header.

The report: a team name with a line break made every invitation fail with a 500
(BadHeaderError), and a workspace name could break notification mail the same way.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from connectors.api.models import ApiKey
from connectors.models import App, Connection
from connectors.notify.dispatch import outbox_process
from connectors.notify.models import WebhookEndpoint
from connectors.providers.intercom.sandbox.models import SandboxWorkspace
from portal.models import Team, User
from tests.connect.live import Dance, sandbox_apps_for, signed_in
from tests.connectors.factories import AppFactory, ConnectionFactory
from tests.notify.conftest import status_changed
from tests.security.conftest import World, fresh_login

pytestmark = pytest.mark.django_db

CONTROLS = {
    "line feed": "Acme\nSupport",
    "carriage return": "Acme\r\nBcc: victim@example.com",
    "tab": "Acme\tSupport",
    "NUL": "Acme\x00",
    "escape": "Acme\x1b[31m",
    "line separator": "Acme\u2028Support",
    "right-to-left override": "Acme\u202egnp.exe",
    "zero-width space": "Ac\u200bme",
}

# (what, URL template, the other fields of a valid POST, the field holding the name)
NAME_FORMS = [
    ("team create", "/teams/new/", {}, "name"),
    ("team settings", "/t/{team_slug}/settings/", {}, "name"),
    ("app edit", "/t/{team_slug}/apps/{app_public_id}/edit/",
     {"region": "us", "check_interval_minutes": "15"}, "name"),
    ("webhook new", "/t/{team_slug}/notifications/webhooks/new/",
     {"url": "https://93.184.215.14/hook"}, "description"),
    ("api key", "/t/{team_slug}/api-keys/new/", {"scopes": ["read"]}, "name"),
]  # fmt: skip


def _names(world: World) -> set[str]:
    return (
        set(Team.objects.values_list("name", flat=True))
        | set(App.objects.values_list("name", flat=True))
        | set(WebhookEndpoint.objects.values_list("description", flat=True))
        | set(ApiKey.objects.values_list("name", flat=True))
    )


@pytest.mark.parametrize(("what", "url", "fields", "name_field"), NAME_FORMS)
def test_every_typed_name_refuses_control_characters_with_a_form_error(
    world: World, what: str, url: str, fields: dict[str, Any], name_field: str
) -> None:
    owner = world.team.memberships.get(role="owner").user
    client = fresh_login(owner)
    for label, name in CONTROLS.items():
        response = client.post(url.format(**world.values), {**fields, name_field: name})
        assert response.status_code == 200, (what, label, response.status_code)
        assert "control character" in response.content.decode(), (what, label)
        assert name not in _names(world), (what, label)


def test_a_plain_name_is_still_taken(world: World) -> None:
    owner = world.team.memberships.get(role="owner").user
    response = fresh_login(owner).post(f"/t/{world.team.slug}/settings/", {"name": "Ünïcode 🚀 Co"})
    assert response.status_code == 302
    assert Team.objects.get(pk=world.team.pk).name == "Ünïcode 🚀 Co"


def test_a_team_named_before_the_rule_with_a_line_break_can_still_invite(
    team: Team, alice_client: Client
) -> None:
    Team.objects.filter(pk=team.pk).update(name="Alice\r\nCo")  # as stored before the fix
    response = alice_client.post(
        f"/t/{team.slug}/invitations/", {"email": "newbie@example.com", "role": "member"}
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert "\n" not in message.subject
    assert "\r" not in message.subject
    assert "Alice Co" in message.subject


def test_a_stored_workspace_name_with_a_line_break_does_not_break_notification_mail(
    team: Team,
) -> None:
    connection: Connection = ConnectionFactory(
        app=AppFactory(team=team), workspace_name="Acme\r\nBcc: victim@example.com"
    )
    outbox_process(event_id=status_changed(connection, "healthy", "revoked").pk)  # type: ignore[attr-defined]
    [message] = mail.outbox
    assert "\n" not in message.subject
    assert "\r" not in message.subject
    assert message.bcc == []


def test_a_workspace_name_the_provider_sends_is_stored_without_control_characters(
    base: str, team: Team, bob: User
) -> None:
    app = sandbox_apps_for([team], base)[0]
    from connectors.providers.intercom.sandbox.services import workspaces_ensure

    workspaces_ensure()
    SandboxWorkspace.objects.filter(id_code="acme0us1").update(name="Acme\r\nSupport\x1b")
    with signed_in(base, bob) as http:
        page = Dance(http, app).consent("approve")
    assert page.status_code == 200
    assert Connection.objects.get().workspace_name == "Acme Support"
