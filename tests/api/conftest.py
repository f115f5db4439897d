from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.core.cache import cache
from django.test import Client

from connectors.api.keys import apikey_create
from connectors.models import Connection
from portal.models import Team, User
from portal.secrets import Secret
from tests.connectors.factories import AppFactory, ConnectionFactory
from tests.support.leaks import register_test_secret

ACCESS_TOKEN = "tok_api_test_0123456789abcdefghijklmnop"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


KeyMaker = Callable[..., str]


@pytest.fixture
def make_key(alice: User) -> KeyMaker:
    """A raw API key for `team` with `scopes` (registered as a secret no page may show)."""

    def make(team: Team, scopes: list[str], expires_at: datetime | None = None) -> str:
        _, raw = apikey_create(
            team=team, name="billing-sync", scopes=scopes, expires_at=expires_at,
            actor=alice, request=None,
        )  # fmt: skip
        return register_test_secret(raw.reveal())

    return make


@pytest.fixture
def api() -> Callable[[str], Client]:
    def make(raw: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


@pytest.fixture
def connection(team: Team) -> Connection:
    # The API hands this token out by design, so it is not a registered test secret.
    return ConnectionFactory(
        app=AppFactory(team=team), workspace_name="Acme Support",
        access_token=Secret(ACCESS_TOKEN),
    )  # fmt: skip
