"""Real workers: a worker SIGKILLed mid-batch loses nothing; its leases expire and rerun."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from connectors import tasks
from connectors.engine.dispatch import due_checks_dispatch
from connectors.models import Check, Connection
from portal.models import Team
from tests.engine.conftest import link
from tests.sandbox.conftest import Sandbox
from tests.support.workers import WorkerPool, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]

DISPATCH_SECONDS = 2.0  # beat's tick, shortened


def _me_calls(sandbox: Sandbox) -> int:
    calls: int = sandbox.control("workspaces/acme0us1").json()["me_calls"]
    return calls


def test_a_worker_killed_mid_batch_loses_nothing_its_connections_are_checked_after_the_lease(
    workers: WorkerPool, sandbox_at: Sandbox, team: Team, settings: Any
) -> None:
    ids = {link(sandbox_at, team).connection.pk for _ in range(5)}
    sandbox_at.control("workspaces/acme0us1", {"latency_ms": 8000})  # keep the batch in flight
    doomed = workers.start()
    before = _me_calls(sandbox_at)

    assert due_checks_dispatch(enqueue=tasks._enqueue_batch) == len(ids)
    wait_for(
        lambda: _me_calls(sandbox_at) > before,
        timeout=20, what="the batch's probes to reach the sandbox", pool=workers,
    )  # fmt: skip
    doomed.kill()

    leased = Connection.objects.filter(pk__in=ids)
    assert all(c.lease_token and c.claimed_until for c in leased)
    assert not Check.objects.exists()  # nothing half-written
    expiry = max(c.claimed_until for c in leased if c.claimed_until)

    sandbox_at.control("workspaces/acme0us1", {"latency_ms": 0})
    workers.start()
    # Beat, every DISPATCH_SECONDS, until two ticks past the lease expiry.
    deadline = expiry + timedelta(seconds=2 * DISPATCH_SECONDS)
    while timezone.now() < deadline and Check.objects.count() < len(ids):
        due_checks_dispatch(enqueue=tasks._enqueue_batch)
        time.sleep(DISPATCH_SECONDS)
    wait_for(
        lambda: Check.objects.count() >= len(ids),
        timeout=10, what="the re-dispatched batch to be written", pool=workers,
    )  # fmt: skip

    checks = list(Check.objects.filter(connection_id__in=ids))
    assert {c.connection_id for c in checks} == ids
    assert len(checks) == len(ids)  # once each: the dead worker's batch wrote nothing
    late = [c.checked_at - expiry for c in checks if c.checked_at > deadline]
    assert not late, f"checked later than two dispatch intervals after the lease: {late}"
    assert set(Connection.objects.values_list("status", flat=True)) == {"healthy"}
    assert set(Connection.objects.values_list("lease_token", flat=True)) == {""}
