"""Revoked waits for a reconnect; disconnected is the end."""

from __future__ import annotations

from datetime import timedelta

from connectors.health.outcomes import Outcome, Status
from connectors.health.policy import Policy
from connectors.health.states import HealthState, advance, disconnect, reset_after_reconnect
from tests.connectors.health.support import NOW, run, said

REVOKED = HealthState(Status.REVOKED, 0, 0, False, NOW)


def test_revoked_is_not_checked_on_schedule() -> None:
    for outcome in (
        Outcome.TRANSIENT,
        Outcome.FORBIDDEN,
        Outcome.TOKEN_DEAD,
        Outcome.MISCONFIGURED,
    ):
        decision = advance(REVOKED, said(outcome), policy=Policy(), now=NOW)
        assert decision.state.status is Status.REVOKED
        assert decision.next_check_in is None
        assert not decision.confirm_retry


def test_a_check_now_that_finds_the_token_working_needs_the_full_streak() -> None:
    decisions = run([Outcome.OK, Outcome.OK], state=REVOKED)
    assert decisions[0].state.status is Status.REVOKED
    assert decisions[0].next_check_in == Policy().base_backoff
    assert decisions[1].state.status is Status.HEALTHY


def test_a_reconnect_starts_over_as_pending() -> None:
    later = NOW + timedelta(hours=1)
    state = reset_after_reconnect(HealthState(Status.REVOKED, 2, 0, True, NOW), later)
    assert state == HealthState(Status.PENDING, 0, 0, False, later)
    assert advance(state, said(Outcome.OK), policy=Policy(), now=later).state.status is (
        Status.HEALTHY
    )


def test_disconnecting_is_a_transition_to_a_terminal_state() -> None:
    decision = disconnect(HealthState(Status.HEALTHY, 0, 3, False, NOW), now=NOW, reason="bye")
    assert decision.transition is not None
    assert decision.transition.to_status is Status.DISCONNECTED
    assert decision.transition.reason == "bye"
    assert decision.next_check_in is None
    for outcome in Outcome:
        again = advance(decision.state, said(outcome), policy=Policy(), now=NOW)
        assert again.state == decision.state
        assert again.transition is None
        assert again.next_check_in is None
