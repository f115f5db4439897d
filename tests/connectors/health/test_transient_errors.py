"""Transient errors degrade at once, fail after N in a row, and back off."""

from __future__ import annotations

from datetime import timedelta

from connectors.health.outcomes import Outcome, Status
from connectors.health.policy import Policy
from connectors.health.schedule import Wait
from tests.connectors.health.support import run

OK, TRANSIENT = Outcome.OK, Outcome.TRANSIENT


def test_one_transient_error_degrades_a_healthy_connection_at_once() -> None:
    decision = run([OK, TRANSIENT])[-1]
    assert decision.state.status is Status.DEGRADED
    assert decision.transition is not None
    assert decision.transition.reason == "because transient"


def test_a_never_checked_connection_is_degraded_by_a_transient_error() -> None:
    assert run([TRANSIENT])[-1].state.status is Status.DEGRADED


def test_n_transient_errors_in_a_row_make_it_failing() -> None:
    decisions = run([OK, TRANSIENT, TRANSIENT, TRANSIENT])
    assert [d.state.status for d in decisions] == [
        Status.HEALTHY,
        Status.DEGRADED,
        Status.DEGRADED,
        Status.FAILING,
    ]
    transition = decisions[-1].transition
    assert transition is not None
    assert transition.from_status is Status.DEGRADED
    assert transition.reason.startswith("3 failed checks in a row.")


def test_the_failing_threshold_follows_the_policy() -> None:
    policy = Policy(failing_after=1)
    assert run([OK, TRANSIENT], policy=policy)[-1].state.status is Status.FAILING


def test_an_answer_in_between_restarts_the_count() -> None:
    statuses = [d.state.status for d in run([TRANSIENT, TRANSIENT, Outcome.FORBIDDEN, TRANSIENT])]
    assert statuses[-1] is Status.DEGRADED


def test_transient_errors_back_off_exponentially_up_to_the_interval() -> None:
    decisions = run([TRANSIENT] * 8)
    delays = [d.next_check_in for d in decisions]
    assert delays == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
        timedelta(seconds=240),
        timedelta(seconds=480),
        timedelta(minutes=10),
        timedelta(minutes=10),
        timedelta(minutes=10),
    ]
    assert all(d.wait is Wait.BACKOFF for d in decisions)


def test_the_backoff_cap_can_be_lowered() -> None:
    policy = Policy(max_backoff=timedelta(minutes=1))
    assert run([TRANSIENT] * 6, policy=policy)[-1].next_check_in == timedelta(minutes=1)


def test_failing_stays_failing_without_new_transitions() -> None:
    decisions = run([TRANSIENT] * 6)
    assert [d.changed for d in decisions] == [True, False, True, False, False, False]
