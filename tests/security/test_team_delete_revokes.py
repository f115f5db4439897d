"""Deleting a team revokes its connections' tokens at the provider, as deleting an app
and disconnecting do. Over real HTTP: the live server plays the portal and the sandbox
Intercom, whose token table says whether the revoke arrived.
"""

from __future__ import annotations

import httpx
import pytest

from connectors.models import App, Connection
from connectors.providers.intercom.sandbox.models import SandboxToken
from portal.models import AuditEvent, Team, User
from tests.connect.live import Dance, csrf_of, sandbox_apps_for, signed_in
from tests.security.conftest import fresh_login


@pytest.fixture
def app(team: Team, base: str) -> App:
    return sandbox_apps_for([team], base)[0]


def test_deleting_a_team_revokes_its_tokens_at_the_provider(
    base: str, app: App, team: Team, alice: User, bob: User
) -> None:
    with signed_in(base, bob) as bob_http:
        assert "Connected Acme Support." in Dance(bob_http, app).consent("approve").text
    connection = Connection.objects.get()
    token = connection.access_token
    assert token is not None
    live = SandboxToken.objects.filter(revoked_at__isnull=True)
    assert live.exists()

    # The owner, signed in and re-authenticated just now, deletes the team over HTTP.
    session = fresh_login(alice).cookies["sessionid"].value
    with httpx.Client(base_url=base, timeout=30, cookies={"sessionid": session}) as owner:
        url = f"/t/{team.slug}/delete/"
        confirm = owner.get(url)
        assert confirm.status_code == 200, confirm.text[:300]
        done = owner.post(url, data={"csrfmiddlewaretoken": csrf_of(confirm), "confirm": team.slug})
        assert done.status_code == 302, done.text[:300]

    assert not Team.objects.filter(pk=team.pk).exists()
    assert not live.exists(), "the provider still honours a deleted team's token"
    with httpx.Client(timeout=10) as http:
        me = http.get(
            f"{base}/sandbox/intercom/me", headers={"Authorization": f"Bearer {token.reveal()}"}
        )
    assert me.status_code == 401
    assert AuditEvent.objects.filter(action="connection.disconnected").count() == 1
    assert AuditEvent.objects.filter(action="team.deleted").count() == 1
