"""Slow answers and reasons that follow the latest answer, with real workers: the checks
and their confirming retries run in `celery worker` processes over Redis and Postgres,
against the sandbox over HTTP. The expected words are the README's and the health-engine
guide's ("answered in 7.2 s", "Latest: ...")."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from connectors.models import Check, Connection
from tests.engine.conftest import Linked, dispatch_until
from tests.support.workers import WorkerPool

pytestmark = [pytest.mark.worker, pytest.mark.slow]

WORKSPACE = "workspaces/acme0us1"
# The workers' engine: a /me over 2 s is slow; the probe gives up reading after 4 s.
ENGINE = {"HEALTH_SLOW_SECONDS": "2", "HEALTH_PROBE_READ_TIMEOUT": "4",
          "HEALTH_PROBE_TOTAL_TIMEOUT": "5"}  # fmt: skip
SLOW_REASON = re.compile(
    r"Intercom answered in (\d+\.\d) s \(slow: over 2 s\); the token works; checks continue\."
)


def _due_now() -> None:
    """Make the connection due again unless a worker holds it (the clock, moved forward)."""
    Connection.objects.filter(claimed_until__isnull=True).update(next_check_at=timezone.now())


def _now(linked: Linked) -> Connection:
    _due_now()
    return linked.reload()


def test_a_slow_answer_degrades_without_touching_the_failure_counters(
    workers: WorkerPool, linked: Linked
) -> None:
    workers.start(**ENGINE)
    dispatch_until(workers, "healthy", lambda: _now(linked).status == "healthy")

    linked.sandbox.control(WORKSPACE, {"mode": "slow"})  # a normal answer, 3 s late
    dispatch_until(workers, "the slow answer's reason",
                   lambda: SLOW_REASON.fullmatch(_now(linked).status_reason))  # fmt: skip
    connection = linked.reload()
    assert (connection.status, connection.last_outcome) == ("degraded", "ok")
    assert connection.consecutive_failures == 0
    match = SLOW_REASON.fullmatch(connection.status_reason)
    assert match is not None
    assert 2.0 < float(match[1]) < 4.0
    slow = Check.objects.filter(connection=connection).order_by("-id").first()
    assert slow is not None
    assert (slow.outcome, slow.http_status) == ("ok", 200)
    assert slow.latency_ms is not None
    assert slow.latency_ms >= 2000

    linked.sandbox.control(WORKSPACE, {"mode": "ok"})
    dispatch_until(workers, "the recovery", lambda: _now(linked).status == "healthy")
    connection = linked.reload()
    assert connection.status_reason.startswith("Recovered: 2 good checks in a row.")
    assert connection.consecutive_failures == 0


def test_the_reason_follows_the_latest_answer_from_a_500_to_timeouts(
    workers: WorkerPool, linked: Linked
) -> None:
    workers.start(**ENGINE)
    dispatch_until(workers, "healthy", lambda: _now(linked).status == "healthy")

    linked.sandbox.control(WORKSPACE, {"mode": "500"})
    dispatch_until(workers, "the 500's reason",
                   lambda: "answered 500" in _now(linked).status_reason)  # fmt: skip
    assert linked.reload().status == "degraded"

    # Silent: the sandbox answers only after the workers' probe (4 s) gave up.
    linked.sandbox.control(WORKSPACE, {"mode": "silent", "timeout_seconds": 6})

    def failing_on_timeouts() -> bool:
        connection = _now(linked)
        return connection.status == "failing" and "did not answer in time" in (
            connection.status_reason
        )

    dispatch_until(workers, "failing, for the timeouts", failing_on_timeouts, timeout=90)
    connection = linked.reload()
    assert connection.last_outcome == "transient"
    assert re.match(
        r"\d+ failed checks in a row\. Latest: Intercom did not answer in time",
        connection.status_reason,
    ), connection.status_reason
    assert "500" not in connection.status_reason
    latest = Check.objects.filter(connection=connection).order_by("-id").first()
    assert latest is not None
    assert latest.http_status is None  # no answer at all: the reason is the timeout's

    # A 429 says nothing about the token: the status and the timeout's reason stay.
    reason = connection.status_reason
    linked.sandbox.control(WORKSPACE, {"mode": "429", "rate_limit_reset_in": 30})
    dispatch_until(workers, "a rate-limited answer",
                   lambda: _now(linked).last_outcome == "rate_limited")  # fmt: skip
    connection = linked.reload()
    assert connection.status == "failing"
    assert connection.status_reason.split(" Latest: ")[1] == reason.split(" Latest: ")[1]
