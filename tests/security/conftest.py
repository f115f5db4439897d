"""One world for the security walks: alice's team holding one of everything, and charlie.

Alice owns "alice-co" (bob is a member) with an app, a connection, an invitation, a
webhook endpoint and an API key. Charlie owns "charlie-ltd" and has his own API key.
`World.values` names a real object of alice's team for every URL kwarg.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.test import Client

from connectors.api.keys import apikey_create
from connectors.models import App, Connection
from connectors.notify.models import WebhookEndpoint
from portal.models import Invitation, Membership, Team, User
from portal.secrets import Secret
from tests.connect.conftest import app, fake_intercom  # noqa: F401 (fixtures for this suite)
from tests.connectors.factories import AppFactory, ConnectionFactory
from tests.factories import PASSWORD, InvitationFactory
from tests.support.leaks import register_test_secret


@dataclass
class World:
    team: Team
    other_team: Team
    app: App
    connection: Connection
    invitation: Invitation
    endpoint: WebhookEndpoint
    alice_key: str
    charlie_key: str
    values: dict[str, object] = field(default_factory=dict)


def fresh_login(user: User, **client_kwargs: object) -> Client:
    """A client signed in and re-authenticated through allauth's real forms just now."""
    client = Client(**client_kwargs)  # type: ignore[arg-type]

    def post(url: str, data: dict[str, str]) -> None:
        token = client.get(url).cookies.get("csrftoken")
        if token is not None:
            data = {**data, "csrfmiddlewaretoken": token.value}
        client.post(url, data)

    post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" in client.session, "the login form refused a factory user"
    post("/accounts/reauthenticate/", {"password": PASSWORD})
    return client


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # Rate-limit counters live in the cache (Redis under CI): start and end clean.
    cache.clear()
    yield
    cache.clear()


def _key(team: Team, actor: User, name: str) -> str:
    _, raw = apikey_create(
        team=team, name=name, scopes=["read", "check", "tokens"], expires_at=None,
        actor=actor, request=None,
    )  # fmt: skip
    return register_test_secret(raw.reveal())


@pytest.fixture
def world(team: Team, charlie_team: Team, alice: User, bob: User, charlie: User) -> World:
    alices_app: App = AppFactory(team=team, name="Alice helpdesk")
    connection: Connection = ConnectionFactory(
        app=alices_app,
        workspace_name="Alice workspace",
        access_token=Secret("tok_alice_" + "z" * 30),
    )
    invitation: Invitation = InvitationFactory(team=team, email="newbie@example.com")
    endpoint = WebhookEndpoint.objects.create(
        team=team, url="https://hooks.example.com/alice", signing_secret=Secret("whsec_alice_x")
    )
    # Charlie's own team has objects too, so "404" can't come from an empty database.
    ConnectionFactory(app=AppFactory(team=charlie_team), workspace_name="Charlie workspace")
    w = World(
        team=team,
        other_team=charlie_team,
        app=alices_app,
        connection=connection,
        invitation=invitation,
        endpoint=endpoint,
        alice_key=_key(team, alice, "alice-sync"),
        charlie_key=_key(charlie_team, charlie, "charlie-sync"),
    )
    from connectors.api.models import ApiKey

    w.values = {
        "team_slug": team.slug,
        "membership_id": Membership.objects.get(team=team, user=bob).pk,
        "invitation_id": invitation.pk,
        "app_public_id": alices_app.public_id,
        "connection_id": connection.pk,
        "endpoint_id": endpoint.pk,
        "api_key_id": ApiKey.objects.get(team=team).pk,
        "check_id": "1700000000000000",
        "provider_id": f"intercom-{alices_app.public_id}",
    }
    return w
