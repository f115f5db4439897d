"""Real workers on Redis and Postgres: the rate-limit figures one worker heard hold back
another worker's checks of the same app (they live in the shared cache, not in a
process)."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from connectors import tasks
from connectors.engine.dispatch import due_checks_dispatch
from connectors.models import Check, Connection
from portal.models import Team
from portal.secrets import Secret
from tests.engine.conftest import link
from tests.sandbox.conftest import Sandbox
from tests.support.workers import WorkerPool, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def _me_calls(sandbox: Sandbox, workspace: str) -> int:
    calls: int = sandbox.control(f"workspaces/{workspace}").json()["me_calls"]
    return calls


def test_a_429_heard_by_one_worker_holds_back_the_apps_checks_on_another(
    workers: WorkerPool, sandbox_at: Sandbox, team: Team
) -> None:
    linked = link(sandbox_at, team)
    body = sandbox_at.connect(linked.sandbox_app, "globex0eu")
    other = Connection.objects.create(
        team=team, app=linked.app, provider="intercom", external_id="globex0eu",
        workspace_name="Globex EU", region="us", access_token=Secret(body["access_token"]),
        next_check_at=None,
    )  # fmt: skip
    sandbox_at.control("workspaces/acme0us1", {"mode": "429", "rate_limit_reset_in": 60})
    # Both workers share one cache namespace of their own (not this test process's).
    namespace = {"CACHE_KEY_PREFIX": f"t{uuid.uuid4().hex[:10]}"}

    first = workers.start(**namespace)
    assert due_checks_dispatch(enqueue=tasks._enqueue_batch) == 1
    wait_for(
        lambda: Check.objects.filter(connection=linked.connection).exists(),
        timeout=20, what="the first worker's check", pool=workers,
    )  # fmt: skip
    assert linked.reload().last_outcome == "rate_limited"
    reset = linked.connection.rate_limited_until
    assert reset is not None
    first.stop()

    workers.start(**namespace)
    Connection.objects.filter(pk=other.pk).update(next_check_at=timezone.now())
    assert due_checks_dispatch(enqueue=tasks._enqueue_batch) == 1

    def deferred() -> bool:
        row = Connection.objects.get(pk=other.pk)
        return (
            row.lease_token == "" and row.next_check_at is not None and (row.next_check_at >= reset)
        )

    wait_for(deferred, timeout=20, what="the second worker to defer the check", pool=workers)
    assert not Check.objects.filter(connection=other).exists()
    assert _me_calls(sandbox_at, "globex0eu") == 0  # never asked: the app had nothing left
