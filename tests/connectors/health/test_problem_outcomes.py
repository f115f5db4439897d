"""Forbidden, wrong workspace, rate limits and our own misconfiguration."""

from __future__ import annotations

from datetime import timedelta

from connectors.health.outcomes import Outcome, Status
from connectors.health.policy import Policy
from connectors.health.schedule import Wait
from connectors.health.states import HealthState, advance
from tests.connectors.health.support import NOW, run, said

OK = Outcome.OK


def test_forbidden_degrades_and_keeps_the_regular_interval() -> None:
    decision = run([OK, Outcome.FORBIDDEN])[-1]
    assert decision.state.status is Status.DEGRADED
    assert decision.next_check_in == Policy().interval


def test_forbidden_turns_a_failing_connection_degraded_since_intercom_answers_again() -> None:
    decision = run([Outcome.TRANSIENT] * 3 + [Outcome.FORBIDDEN])[-1]
    assert decision.state.status is Status.DEGRADED


def test_a_wrong_workspace_is_failing_with_the_classifiers_reason() -> None:
    decision = run([OK, Outcome.WRONG_WORKSPACE])[-1]
    assert decision.state.status is Status.FAILING
    assert decision.transition is not None
    assert decision.transition.reason == "because wrong_workspace"


def test_rate_limiting_changes_no_status_and_waits_for_the_reset() -> None:
    healthy = HealthState(Status.HEALTHY, 0, 4, False, NOW)
    reset = NOW + timedelta(seconds=8)
    decision = advance(healthy, said(Outcome.RATE_LIMITED, reset=reset), policy=Policy(), now=NOW)
    assert decision.state == healthy
    assert decision.transition is None
    assert decision.next_check_in == timedelta(seconds=8)
    assert decision.wait is Wait.RATE_LIMIT


def test_a_rate_limited_confirming_retry_is_still_pending() -> None:
    decision = run([OK, Outcome.TOKEN_DEAD, Outcome.RATE_LIMITED])[-1]
    assert decision.state.status is Status.HEALTHY
    assert decision.state.pending_confirmation
    assert decision.confirm_retry


def test_misconfiguration_changes_no_status_but_surfaces_its_reason() -> None:
    for start in (Status.PENDING, Status.HEALTHY, Status.DEGRADED, Status.FAILING):
        state = HealthState(start, 1, 0, False, NOW)
        decision = advance(state, said(Outcome.MISCONFIGURED), policy=Policy(), now=NOW)
        assert decision.state == state
        assert decision.transition is None
        assert decision.reason == "because misconfigured"
        assert decision.next_check_in == Policy().interval
