"""Expiring tokens (the sandbox's "expiring tokens" app option) refresh for real over HTTP."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from connectors.engine.dispatch import connections_claim_refresh
from connectors.engine.refresh import INVALID_GRANT, ROTATED_NOT_SAVED, connection_refresh
from connectors.models import Connection, Transition
from connectors.providers.intercom.sandbox.models import SandboxToken, TokenKind
from portal.models import Team
from tests.engine.conftest import Linked, link
from tests.sandbox.conftest import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def expiring(sandbox_at: Sandbox, team: Team) -> Linked:
    return link(sandbox_at, team, expiring=True)


def _provider_refreshes(linked: Linked) -> int:
    """Refresh grants the sandbox has honoured: each one issued a new refresh token."""
    issued = SandboxToken.objects.filter(app=linked.sandbox_app, kind=TokenKind.REFRESH).count()
    return issued - 1


def _expire_in(linked: Linked, minutes: int) -> None:
    """As if the token had `minutes` left: inside the 10-minute refresh-ahead window."""
    expires = timezone.now() + timedelta(minutes=minutes)
    Connection.objects.filter(pk=linked.connection.pk).update(
        token_expires_at=expires, refresh_due_at=expires - timedelta(minutes=10)
    )


def _use_refresh_token_elsewhere(linked: Linked) -> None:
    """Spend the stored refresh token at the provider, as a dying worker or a leak would."""
    stored = linked.reload().refresh_token
    assert stored is not None
    answer = linked.sandbox.http.post(
        f"{linked.sandbox.base}/auth/eagle/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": stored.reveal(),
            "client_id": linked.sandbox_app.client_id,
            "client_secret": linked.app.client_secret.reveal(),  # type: ignore[union-attr]
        },
    )
    assert answer.status_code == 200, answer.text


def test_a_token_is_refreshed_ahead_of_expiry_and_the_rotated_refresh_token_saved(
    expiring: Linked,
) -> None:
    # 15 minutes left, beyond the 10-minute refresh-ahead window: not due yet.
    assert connections_claim_refresh(limit=10) == []
    _expire_in(expiring, 5)
    assert connections_claim_refresh(limit=10) == [expiring.connection.pk]
    old = expiring.reload()
    old_access, old_refresh = old.access_token, old.refresh_token

    assert connection_refresh(connection_id=old.pk) == "refreshed"

    fresh = expiring.reload()
    assert fresh.access_token != old_access
    assert fresh.refresh_token != old_refresh
    assert fresh.token_expires_at is not None
    assert fresh.token_expires_at > timezone.now() + timedelta(minutes=14)
    assert fresh.refresh_started_at is None
    assert _provider_refreshes(expiring) == 1
    assert fresh.access_token is not None
    assert expiring.sandbox.me(fresh.access_token.reveal()).status_code == 200
    # Refreshing again at once makes no call: the token is no longer due.
    assert connection_refresh(connection_id=fresh.pk) == "not_due"
    assert _provider_refreshes(expiring) == 1


def test_two_concurrent_refreshes_of_one_connection_make_one_provider_call(
    expiring: Linked,
) -> None:
    _expire_in(expiring, 5)
    results: list[str] = []
    start = threading.Barrier(2)

    def refresh() -> None:
        try:
            start.wait(timeout=10)
            results.append(connection_refresh(connection_id=expiring.connection.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results)[-1] == "refreshed"
    assert sorted(results)[0] in {"in_flight", "not_due"}
    assert _provider_refreshes(expiring) == 1
    assert expiring.reload().status != "revoked"


def test_invalid_grant_revokes_at_once(expiring: Linked) -> None:
    _expire_in(expiring, 5)
    _use_refresh_token_elsewhere(expiring)  # the stored refresh token is now spent

    assert connection_refresh(connection_id=expiring.connection.pk) == "revoked"

    connection = expiring.reload()
    assert connection.status == "revoked"
    assert connection.status_reason == INVALID_GRANT
    assert connection.next_check_at is None
    transition = Transition.objects.get(connection=connection)
    assert (transition.to_status, transition.reason) == ("revoked", INVALID_GRANT)


def test_a_refresh_that_died_after_the_provider_rotated_ends_revoked_without_retrying(
    expiring: Linked,
) -> None:
    _expire_in(expiring, 5)
    # What a worker killed between the provider's answer and our commit leaves behind:
    # its in-flight marker, and a refresh token the provider has already rotated away.
    Connection.objects.filter(pk=expiring.connection.pk).update(
        refresh_started_at=timezone.now() - timedelta(minutes=10)
    )
    _use_refresh_token_elsewhere(expiring)

    assert connection_refresh(connection_id=expiring.connection.pk) == "revoked"

    connection = expiring.reload()
    assert connection.status == "revoked"
    assert connection.status_reason == ROTATED_NOT_SAVED
    assert connection.refresh_after is None
    assert connection.refresh_started_at is None
    # No retry loop: nothing claims it again, and a stray attempt does nothing.
    assert connections_claim_refresh(limit=10, now=timezone.now() + timedelta(hours=1)) == []
    assert connection_refresh(connection_id=connection.pk) == "skipped"
    assert Transition.objects.filter(connection=connection, to_status="revoked").count() == 1
