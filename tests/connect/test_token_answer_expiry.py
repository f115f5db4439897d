"""What connecting stores from the token answer's `refresh_token` and `expires_in`, through
allauth's real views (its OAuth2Adapter.parse_token), with the provider's network faked.

Intercom's answer has neither (its tokens never expire); an OAuth2 provider with expiring
tokens sends both (RFC 6749 section 5.1). Odd values are dropped, never trusted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from connectors.models import App, Connection
from portal.secrets import Secret
from tests.connect.conftest import callback_url, start
from tests.connect.fake_intercom import TOKEN, FakeIntercom

pytestmark = pytest.mark.django_db

REFRESH = "rt_" + "r" * 40

# extra fields of the token answer -> (refresh token stored, lifetime stored in seconds)
ANSWERS: list[tuple[dict[str, Any], str | None, int | None]] = [
    ({}, None, None),  # Intercom's own answer
    ({"refresh_token": REFRESH, "expires_in": 3600}, REFRESH, 3600),
    ({"refresh_token": REFRESH, "expires_in": "120"}, REFRESH, 120),
    ({"refresh_token": REFRESH}, None, None),  # a refresh token with no lifetime: unusable
    ({"expires_in": 3600}, None, None),  # a lifetime with nothing to refresh it with
    ({"refresh_token": REFRESH, "expires_in": -5}, None, None),
    ({"refresh_token": REFRESH, "expires_in": "soon"}, None, None),
    ({"refresh_token": REFRESH, "expires_in": True}, None, None),
    ({"refresh_token": "", "expires_in": 3600}, None, None),
    ({"refresh_token": 42, "expires_in": 3600}, None, None),
]


def _connect(client: Client, app: App, fake: FakeIntercom, extra: dict[str, Any]) -> Connection:
    fake.token_answer = (200, {"token_type": "Bearer", "access_token": TOKEN, **extra})
    started = start(client, app)
    response = client.get(callback_url(app), {"code": "abc=", "state": started.state})
    assert response.status_code == 302, response.content[:300]
    return Connection.objects.get()


@pytest.mark.parametrize(("extra", "refresh", "lifetime"), ANSWERS)
def test_the_token_answer_s_refresh_token_and_lifetime_are_stored(
    bob_client: Client,
    app: App,
    fake_intercom: FakeIntercom,
    extra: dict[str, Any],
    refresh: str | None,
    lifetime: int | None,
) -> None:
    before = timezone.now()
    connection = _connect(bob_client, app, fake_intercom, extra)
    assert connection.status == "healthy"
    assert connection.access_token == Secret(TOKEN)
    if refresh is None:
        assert connection.refresh_token is None
        assert connection.token_expires_at is None
        assert connection.refresh_due_at is None
        return
    assert connection.refresh_token == Secret(refresh)
    raw = Connection.objects.filter(pk=connection.pk).values_list("refresh_token", flat=True)[0]
    assert refresh not in str(raw)
    assert lifetime is not None
    expires = connection.token_expires_at
    assert expires is not None
    assert before + timedelta(seconds=lifetime - 1) <= expires
    assert expires <= timezone.now() + timedelta(seconds=lifetime)
    assert connection.refresh_due_at is not None
    assert connection.refresh_due_at < expires


def test_a_reconnect_replaces_the_refresh_token_and_its_failures(
    bob_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    first = _connect(bob_client, app, fake_intercom, {"refresh_token": REFRESH, "expires_in": 60})
    Connection.objects.filter(pk=first.pk).update(
        refresh_failures=4, refresh_after=timezone.now() + timedelta(minutes=5)
    )
    second = _connect(
        bob_client, app, fake_intercom, {"refresh_token": "rt_new_one", "expires_in": 3600}
    )
    assert second.pk == first.pk
    assert second.refresh_token == Secret("rt_new_one")
    assert (second.refresh_failures, second.refresh_after) == (0, None)
    # Reconnected by a provider that stopped expiring tokens: nothing left to refresh.
    third = _connect(bob_client, app, fake_intercom, {})
    assert (third.refresh_token, third.token_expires_at, third.refresh_due_at) == (None, None, None)
