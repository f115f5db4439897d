"""Coming back needs M good checks in a row, and is confirmed quickly."""

from __future__ import annotations

from connectors.health.outcomes import Outcome, Status
from connectors.health.policy import Policy
from connectors.health.schedule import Wait
from tests.connectors.health.support import run

OK, TRANSIENT = Outcome.OK, Outcome.TRANSIENT


def test_a_never_checked_connection_is_healthy_after_one_good_check() -> None:
    decision = run([OK])[0]
    assert decision.state.status is Status.HEALTHY
    assert decision.transition is not None
    assert decision.transition.from_status is Status.PENDING
    assert decision.next_check_in == Policy().interval
    assert decision.wait is Wait.INTERVAL


def test_a_degraded_connection_needs_two_good_checks_in_a_row() -> None:
    decisions = run([OK, TRANSIENT, OK, OK])
    assert decisions[2].state.status is Status.DEGRADED
    assert decisions[2].wait is Wait.RECOVERY
    assert decisions[2].next_check_in == Policy().base_backoff
    assert decisions[3].state.status is Status.HEALTHY
    transition = decisions[3].transition
    assert transition is not None
    assert transition.reason.startswith("Recovered: 2 good checks in a row.")


def test_a_failure_in_between_restarts_the_recovery() -> None:
    statuses = [d.state.status for d in run([TRANSIENT] * 3 + [OK, TRANSIENT, OK, OK])]
    assert statuses[3:] == [Status.FAILING, Status.FAILING, Status.FAILING, Status.HEALTHY]


def test_rate_limits_in_between_do_not_break_the_streak() -> None:
    decisions = run([TRANSIENT, OK, Outcome.RATE_LIMITED, OK])
    assert decisions[-1].state.status is Status.HEALTHY


def test_recovery_from_forbidden_needs_the_same_streak() -> None:
    policy = Policy(recover_after=3)
    statuses = [d.state.status for d in run([Outcome.FORBIDDEN, OK, OK, OK], policy=policy)]
    assert statuses == [Status.DEGRADED, Status.DEGRADED, Status.DEGRADED, Status.HEALTHY]
