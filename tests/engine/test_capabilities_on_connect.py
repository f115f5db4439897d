"""A connect or reconnect through the real OAuth dance checks the declared capabilities at
once, on a real worker (Redis + Postgres), with no beat running: nothing waits for the
six-hour cadence or the next dispatch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.models import App, CapabilityResult, Connection, Transition
from portal.models import Team, User
from tests.connect.live import Dance, sandbox_apps_for, signed_in
from tests.sandbox.conftest import Sandbox
from tests.support.workers import WorkerPool, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def _withhold(base: str, *keys: str) -> None:
    sandbox = Sandbox(base=f"{base}/sandbox/intercom", http=httpx.Client(timeout=10))
    answer = sandbox.control("workspaces/acme0us1/permissions", {"withheld": list(keys)})
    assert answer.status_code == 200, answer.text


def _connection() -> Connection | None:
    return Connection.objects.filter(external_id="acme0us1").first()


def test_connect_and_reconnect_check_capabilities_at_once(
    workers: WorkerPool, base: str, team: Team, bob: User, settings: Any
) -> None:
    app: App = sandbox_apps_for([team], base)[0]
    app.capabilities = ["read_conversations"]
    app.save()
    _withhold(base, "read_conversations")
    workers.start()

    with signed_in(base, bob) as http:
        page = Dance(http, app).consent("approve")
        assert "Connected Acme Support." in page.text

        def degraded() -> bool:
            connection = _connection()
            return connection is not None and connection.status == "degraded"

        wait_for(degraded, timeout=30, what="the connect-time capability check", pool=workers)
        connection = _connection()
        assert connection is not None
        assert "cannot read conversations" in connection.status_reason
        assert "'Read conversations'" in connection.status_reason
        assert CapabilityResult.objects.get(connection=connection).outcome == "missing"

        _withhold(base)  # the team ticked the permission and reconnects
        page = Dance(http, app).consent("approve")
        assert "Reconnected Acme Support" in page.text

        def healthy() -> bool:
            connection = _connection()
            return connection is not None and connection.status == "healthy"

        wait_for(healthy, timeout=30, what="the reconnect-time capability check", pool=workers)
    assert CapabilityResult.objects.get(connection=connection).outcome == "ok"
    moves = [
        (t.from_status, t.to_status)
        for t in Transition.objects.filter(connection=connection).order_by("at", "id")
    ]
    # The reconnect starts from pending; the old result holds it degraded (no flap through
    # healthy) until the new token's capability check clears it.
    assert moves == [
        ("pending", "healthy"), ("healthy", "degraded"),
        ("degraded", "pending"), ("pending", "degraded"), ("degraded", "healthy"),
    ]  # fmt: skip
