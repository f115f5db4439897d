"""A worker SIGKILLed mid-batch, with gunicorn + beat + workers: every leased connection
is checked after its lease expires, once, and nothing of the dead batch is written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from connectors.models import Check, Connection
from portal.models import Team
from tests.engine.conftest import link
from tests.resilience.conftest import Portal
from tests.resilience.stack import DISPATCH_SECONDS, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.resilience]

CONNECTIONS = 5
LEASE_SECONDS = 6


def _me_calls(stack: Portal) -> int:
    calls: int = stack.sandbox.control("workspaces/acme0us1").json()["me_calls"]
    return calls


def test_a_worker_killed_mid_batch_loses_nothing_its_connections_are_checked_after_the_lease(
    portal: Callable[..., Portal], team: Team
) -> None:
    # Long intervals: after the one check each, nothing else is due during the test.
    stack = portal(HEALTH_LEASE_SECONDS=LEASE_SECONDS)
    ids = {link(stack.sandbox, team, interval=3600).connection.pk for _ in range(CONNECTIONS)}
    stack.sandbox.control("workspaces/acme0us1", {"latency_ms": 15000})  # keep it in flight
    doomed = stack.worker_start()
    before = _me_calls(stack)
    stack.beat_start()
    wait_until(
        lambda: _me_calls(stack) >= before + CONNECTIONS, timeout=20,
        what="the batch's probes to reach the sandbox", logs=stack.logs(),
    )  # fmt: skip
    doomed.kill()

    leased = list(Connection.objects.filter(pk__in=ids))
    assert all(c.lease_token and c.claimed_until for c in leased)
    assert not Check.objects.filter(connection_id__in=ids).exists()  # nothing half-written
    expiry = max(c.claimed_until for c in leased if c.claimed_until)

    stack.sandbox.control("workspaces/acme0us1", {"latency_ms": 0})
    stack.worker_start()
    wait_until(
        lambda: Check.objects.filter(connection_id__in=ids).count() >= CONNECTIONS,
        timeout=LEASE_SECONDS + 20, what="the expired leases to be checked", logs=stack.logs(),
    )  # fmt: skip

    checks = list(Check.objects.filter(connection_id__in=ids))
    assert {c.connection_id for c in checks} == ids
    assert len(checks) == CONNECTIONS  # once each: the dead worker's batch wrote nothing
    deadline = expiry + timedelta(seconds=2 * DISPATCH_SECONDS)
    assert all(c.checked_at >= expiry for c in checks)
    late = [c.checked_at - expiry for c in checks if c.checked_at > deadline]
    assert not late, f"checked later than two dispatch intervals after the lease: {late}"
    rows = Connection.objects.filter(pk__in=ids)
    assert set(rows.values_list("status", flat=True)) == {"healthy"}
    assert set(rows.values_list("lease_token", flat=True)) == {""}
