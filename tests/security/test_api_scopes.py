"""API scopes: each operation needs the scope that allows it; `read` only reads."""

from __future__ import annotations

import pytest
from django.test import Client

from connectors.api.keys import apikey_create
from connectors.models import Connection
from portal.models import Team, User
from tests.connectors.factories import AppFactory, ConnectionFactory
from tests.support.leaks import register_test_secret

pytestmark = pytest.mark.django_db


def _client(team: Team, alice: User, scopes: list[str]) -> Client:
    _, raw = apikey_create(
        team=team, name="sync", scopes=scopes, expires_at=None, actor=alice, request=None
    )
    return Client(headers={"Authorization": f"Bearer {register_test_secret(raw.reveal())}"})


def test_a_read_key_cannot_ask_for_a_check(team: Team, alice: User) -> None:
    connection: Connection = ConnectionFactory(app=AppFactory(team=team))
    before = (connection.next_check_at, connection.check_requested_at)
    for scopes in (["read"], ["read", "tokens"]):
        answer = _client(team, alice, scopes).post(f"/api/v1/connections/{connection.pk}/check")
        assert answer.status_code == 403
        assert answer.json()["code"] == "scope_missing"
        assert "'check' scope" in answer.json()["message"]
    connection.refresh_from_db()
    assert (connection.next_check_at, connection.check_requested_at) == before


def test_a_read_key_still_reads(team: Team, alice: User) -> None:
    connection: Connection = ConnectionFactory(app=AppFactory(team=team))
    assert (
        _client(team, alice, ["read"]).get(f"/api/v1/connections/{connection.pk}").status_code
        == 200
    )
