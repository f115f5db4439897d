"""The engine against the sandbox over real HTTP: outages, revocation, rate limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connectors.engine.batch import BatchReport
from connectors.models import Check, Connection, Transition
from portal.models import Team
from tests.engine.conftest import Linked, link
from tests.sandbox.conftest import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)

Sweep = Callable[..., BatchReport]


def _statuses(linked: Linked) -> list[tuple[str, str]]:
    rows = Transition.objects.filter(connection=linked.connection).order_by("at", "id")
    return [(t.from_status, t.to_status) for t in rows]


def test_a_healthy_token_is_checked_and_marked_healthy(linked: Linked, sweep: Sweep) -> None:
    report = sweep()
    assert report.checked == 1
    connection = linked.reload()
    assert connection.status == "healthy"
    assert connection.next_check_at is not None
    assert connection.next_check_at > timezone.now()
    assert connection.lease_token == ""
    assert connection.claimed_until is None
    check = Check.objects.get(connection=connection)
    assert (check.outcome, check.http_status) == ("ok", 200)


def test_twenty_errors_and_timeouts_degrade_then_fail_but_never_revoke(
    linked: Linked, sweep: Sweep
) -> None:
    sweep()
    seen = set()
    for i in range(20):
        mode = {"mode": "500"} if i % 2 == 0 else {"mode": "silent", "timeout_seconds": 3}
        linked.sandbox.control("workspaces/acme0us1", mode)
        sweep()
        seen.add(linked.reload().status)
    assert seen == {"degraded", "failing"}
    linked.sandbox.control("workspaces/acme0us1", {"mode": "ok"})
    sweep()
    assert linked.reload().status == "failing"  # one good check is not a recovery
    sweep()
    assert linked.reload().status == "healthy"
    assert _statuses(linked) == [
        ("pending", "healthy"), ("healthy", "degraded"), ("degraded", "failing"),
        ("failing", "healthy"),
    ]  # fmt: skip
    assert "revoked" not in Check.objects.values_list("status_after", flat=True)


def test_a_revoked_token_is_revoked_after_the_confirming_retry_and_healthy_after_reconnect(
    linked: Linked, sweep: Sweep
) -> None:
    sweep()
    linked.sandbox.control("workspaces/acme0us1", {"mode": "revoked"})
    sweep()
    connection = linked.reload()
    assert connection.status == "revoked"
    outcomes = list(Check.objects.order_by("id").values_list("outcome", "trigger"))
    assert outcomes[-2:] == [("token_dead", "schedule"), ("token_dead", "confirm")]
    # Re-checked on schedule only after the slow cadence's first wait (1 hour).
    assert connection.next_check_at is not None
    assert connection.next_check_at - timezone.now() > timedelta(minutes=50)

    before = Check.objects.count()
    sweep(force_due=False)
    assert Check.objects.count() == before

    fresh = linked.sandbox.connect(linked.sandbox_app)
    from portal.secrets import Secret

    Connection.objects.filter(pk=connection.pk).update(
        access_token=Secret(fresh["access_token"]), status="pending", next_check_at=timezone.now(),
        consecutive_failures=0, consecutive_successes=0, pending_confirmation=False,
    )  # fmt: skip
    sweep()
    assert linked.reload().status == "healthy"


def test_a_rate_limited_connection_is_not_probed_before_the_reset(
    linked: Linked, sweep: Sweep
) -> None:
    sweep()
    linked.sandbox.control("workspaces/acme0us1", {"mode": "429", "rate_limit_reset_in": 40})
    sweep()
    connection = linked.reload()
    assert connection.status == "healthy"  # not the token's fault
    assert connection.rate_limited_until is not None
    assert connection.next_check_at is not None
    assert connection.next_check_at >= connection.rate_limited_until
    calls = linked.sandbox.control("workspaces/acme0us1").json()["me_calls"]
    for _ in range(3):
        sweep(force_due=False)
    assert linked.sandbox.control("workspaces/acme0us1").json()["me_calls"] == calls


def _own_queries(captured: CaptureQueriesContext) -> list[str]:
    """The engine's statements, without the sandbox's (in-memory SQLite shares one log)."""
    skip = ("sandbox", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [q["sql"] for q in captured.captured_queries if not any(s in q["sql"] for s in skip)]


def test_a_batch_writes_with_the_same_number_of_queries_whatever_its_size(
    sandbox_at: Sandbox, team: Team, sweep: Sweep
) -> None:
    link(sandbox_at, team)
    with CaptureQueriesContext(db) as one:
        sweep()
    # Read it now: `captured_queries` is a slice of the connection's live query log, which
    # the next request to the live server (link() below) clears. Reading it later compared
    # whatever happened to sit at those positions, hence the old intermittent failure.
    one_sql = _own_queries(one)
    for _ in range(9):
        link(sandbox_at, team)
    with CaptureQueriesContext(db) as ten:
        report = sweep()
    ten_sql = _own_queries(ten)
    assert report.checked == 10
    assert len(ten_sql) == len(one_sql), "\n".join(ten_sql)


def test_over_the_rate_budget_connections_are_deferred_not_probed(
    settings: object, sandbox_at: object, team: object, sweep: Sweep
) -> None:
    settings.HEALTH_RATE_SHARE_PERCENT = 0.06  # type: ignore[attr-defined]  # 1 per 10 s
    first = link(sandbox_at, team)  # type: ignore[arg-type]
    for _ in range(2):
        link(sandbox_at, team)  # type: ignore[arg-type]
    for n, connection in enumerate(Connection.objects.order_by("pk")):
        # One app for all three (the budget is per app); distinct ids keep them unique.
        Connection.objects.filter(pk=connection.pk).update(app=first.app, external_id=f"w{n}")
    report = sweep()
    assert (report.checked, report.deferred) == (1, 2)
    assert Check.objects.count() == 1
