"""API key pages: create after reauthentication (shown once, audited), list, revoke."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from connectors.api.keys import key_hash
from connectors.api.models import ApiKey
from portal.models import AuditEvent, Team, User
from tests.connectors.app_support import reauthenticate

pytestmark = pytest.mark.django_db
BASE = "/t/alice-co/api-keys/"


def test_creating_a_key_requires_reauthentication(team: Team, alice_client: Client) -> None:
    response = alice_client.get(BASE + "new/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")


def test_a_new_key_is_shown_once_stored_as_a_hash_and_audited(
    team: Team, alice_client: Client, api: object
) -> None:
    reauthenticate(alice_client)
    response = alice_client.post(
        BASE + "new/",
        {"name": "billing-sync", "scopes": ["read", "tokens"], "expires_in_days": "30"},
    )
    assert response.status_code == 200
    raw = re.search(rb"cpk_[A-Za-z0-9_-]+", response.content).group().decode()  # type: ignore[union-attr]
    key = ApiKey.objects.get()
    assert key.key_hash == key_hash(raw)
    assert raw.startswith(key.prefix)
    assert key.scopes == ["read", "tokens"]
    assert key.expires_at is not None
    listing = alice_client.get(BASE)
    assert raw.encode() not in listing.content
    assert key.prefix.encode() in listing.content
    assert AuditEvent.objects.filter(action="apikey.created", target_id=str(key.pk)).exists()
    assert api(raw).get("/api/v1/apps").status_code == 200  # type: ignore[operator]


def test_a_key_needs_a_scope(team: Team, alice_client: Client) -> None:
    reauthenticate(alice_client)
    response = alice_client.post(BASE + "new/", {"name": "nothing"})
    assert b"Pick at least one scope" in response.content
    assert not ApiKey.objects.exists()


def test_revoking_a_key_stops_it_at_once(
    team: Team, alice_client: Client, make_key: object, api: object
) -> None:
    raw = make_key(team, ["read"])  # type: ignore[operator]
    key = ApiKey.objects.get()
    response = alice_client.post(BASE + f"{key.pk}/revoke/")
    assert response.status_code == 302
    assert api(raw).get("/api/v1/apps").status_code == 401  # type: ignore[operator]
    assert AuditEvent.objects.filter(action="apikey.revoked").exists()


def test_members_may_not_manage_keys(team: Team, bob_client: Client, bob: User) -> None:
    assert bob_client.get(BASE).status_code == 403
