"""Slow answers and reasons that follow the latest answer, against the sandbox over HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from connectors.engine.batch import BatchReport
from connectors.models import Check
from tests.engine.conftest import Linked

pytestmark = pytest.mark.django_db(transaction=True)

Sweep = Callable[..., BatchReport]
WORKSPACE = "workspaces/acme0us1"


def test_a_slow_answer_degrades_without_counting_as_a_failure_and_fast_ones_recover(
    settings: Any, linked: Linked, sweep: Sweep
) -> None:
    # The sandbox's slow mode answers normally after 3 s; fast answers take milliseconds.
    settings.HEALTH_SLOW_SECONDS = 2
    settings.HEALTH_PROBE_READ_TIMEOUT = 6.0
    settings.HEALTH_PROBE_TOTAL_TIMEOUT = 8.0
    sweep()
    assert linked.reload().status == "healthy"
    linked.sandbox.control(WORKSPACE, {"mode": "500"})
    sweep()
    assert (linked.reload().status, linked.connection.consecutive_failures) == ("degraded", 1)

    linked.sandbox.control(WORKSPACE, {"mode": "slow"})
    sweep()
    connection = linked.reload()
    assert connection.status == "degraded"
    assert re.fullmatch(
        r"Intercom answered in \d+\.\d s \(slow: over 2 s\); the token works; checks continue\.",
        connection.status_reason,
    ), connection.status_reason
    assert connection.consecutive_failures == 1  # untouched by the slow answer
    assert connection.last_outcome == "ok"
    slow_check = Check.objects.order_by("-id").first()
    assert slow_check is not None
    assert (slow_check.outcome, slow_check.http_status) == ("ok", 200)
    assert slow_check.latency_ms is not None
    assert slow_check.latency_ms >= 2000

    linked.sandbox.control(WORKSPACE, {"mode": "ok"})
    sweep()
    assert linked.reload().status == "degraded"  # one fast answer is not yet a recovery
    assert linked.connection.status_reason.startswith("Recovering: 1 of 2 good checks")
    sweep()
    connection = linked.reload()
    assert connection.status == "healthy"
    assert connection.status_reason.startswith("Recovered: 2 good checks in a row.")


def test_after_a_500_the_reason_names_the_timeouts_that_followed(
    linked: Linked, sweep: Sweep
) -> None:
    sweep()
    linked.sandbox.control(WORKSPACE, {"mode": "500"})
    sweep()
    connection = linked.reload()
    assert connection.status == "degraded"
    assert "answered 500" in connection.status_reason

    # Silent: the sandbox answers only after the probe (1.5 s in these tests) gave up.
    linked.sandbox.control(WORKSPACE, {"mode": "silent", "timeout_seconds": 3})
    expected = [
        ("degraded", "2 failed checks in a row. Latest: Intercom did not answer in time"),
        ("failing", "3 failed checks in a row. Latest: Intercom did not answer in time"),
        ("failing", "4 failed checks in a row. Latest: Intercom did not answer in time"),
    ]
    for status, reason in expected:
        sweep()
        connection = linked.reload()
        assert (connection.status, connection.last_outcome) == (status, "transient")
        assert connection.status_reason.startswith(reason), connection.status_reason
        assert "500" not in connection.status_reason

    # A 429 says nothing about the token: the reason stays the timeout's.
    linked.sandbox.control(WORKSPACE, {"mode": "429", "rate_limit_reset_in": 30})
    sweep()
    connection = linked.reload()
    assert connection.last_outcome == "rate_limited"
    assert connection.status_reason.startswith(expected[-1][1])
