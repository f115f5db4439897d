"""The connection page shows its audit trail to those who may read the team's audit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import Team, User
from portal.services.audit import audit_log
from tests.connectors.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def test_admins_see_the_connections_audit_trail_and_members_do_not(
    team: Team, alice: User, bob: User, client_for: Callable[[User], Client]
) -> None:
    connection = ConnectionFactory(team=team, workspace_name="Acme Support")
    audit_log(team=team, actor=alice, action="connection.reconnected", target=connection)
    url = reverse(
        "connection_detail", kwargs={"team_slug": team.slug, "connection_id": connection.pk}
    )

    owner_page = client_for(alice).get(url).content.decode()
    member_page = client_for(bob).get(url).content.decode()

    assert "Audit trail" in owner_page
    assert "connection.reconnected" in owner_page
    assert "alice@example.com" in owner_page
    assert "Audit trail" not in member_page
    assert "connection.reconnected" not in member_page
