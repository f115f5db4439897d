"""Capability checks on their cadence, with real workers: beat's dispatch task queues
them, a `celery worker` process probes the sandbox over HTTP and writes the verdict to
Postgres. Declaring a capability checks it at once; then the check comes due again
`HEALTH_CAPABILITY_INTERVAL_SECONDS` (6 hours by default) later."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from connectors import tasks
from connectors.models import CapabilityResult, Connection
from portal.models import User
from tests.engine.conftest import Linked
from tests.engine.test_capabilities_over_http import PERMISSION_OF, declare, make_due, withhold
from tests.support.workers import WorkerPool, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def _beat_until(pool: WorkerPool, what: str, condition: Callable[[], object]) -> None:
    """Run beat's dispatch task (it queues due capability checks too) until it holds."""

    def tick() -> bool:
        tasks.dispatch_due_checks()
        return bool(condition())

    wait_for(tick, timeout=60, what=what, pool=pool)


def _result(key: str) -> str | None:
    row = CapabilityResult.objects.filter(key=key).first()
    return row.outcome if row is not None else None


def test_a_permission_withdrawn_between_cadence_checks_degrades_and_its_return_clears(
    workers: WorkerPool, linked: Linked, admin_user: User, client_for: Callable[[User], Client]
) -> None:
    workers.start()
    _beat_until(workers, "healthy", lambda: linked.reload().status == "healthy")
    assert declare(client_for(admin_user), linked, "read_conversations").status_code == 302
    _beat_until(workers, "the first capability check",
                lambda: _result("read_conversations") == "ok")  # fmt: skip
    connection = linked.reload()
    assert connection.status == "healthy"
    assert connection.capabilities_due_at is not None
    # The next one is due on the default cadence (6 h, spread by up to 5 % either way).
    assert connection.capabilities_due_at - timezone.now() > timedelta(hours=5.5)

    withhold(linked, "read_conversations")
    make_due()  # six hours later, as far as the row knows
    _beat_until(workers, "degraded", lambda: linked.reload().status == "degraded")
    connection = linked.reload()
    assert "cannot read conversations" in connection.status_reason
    assert f"'{PERMISSION_OF['read_conversations']}'" in connection.status_reason
    assert _result("read_conversations") == "missing"

    withhold(linked)  # the permission is back
    make_due()
    _beat_until(workers, "healthy again", lambda: linked.reload().status == "healthy")
    assert _result("read_conversations") == "ok"
    assert Connection.objects.get(pk=linked.connection.pk).capability_reason == ""
