"""A token-dead answer revokes only after one confirming retry agrees."""

from __future__ import annotations

from connectors.health.outcomes import Outcome, Status
from connectors.health.policy import Policy
from connectors.health.schedule import Wait
from connectors.health.states import HealthState, advance
from tests.connectors.health.support import NOW, final, run, said

DEAD, OK, TRANSIENT = Outcome.TOKEN_DEAD, Outcome.OK, Outcome.TRANSIENT


def test_the_first_token_dead_answer_changes_nothing_but_asks_for_a_confirming_retry() -> None:
    healthy = HealthState(Status.HEALTHY, 0, 5, False, NOW)
    decision = advance(healthy, said(DEAD), policy=Policy(), now=NOW)
    assert decision.state.status is Status.HEALTHY
    assert decision.transition is None
    assert decision.state.pending_confirmation
    assert decision.confirm_retry
    assert decision.next_check_in == Policy().confirm_delay
    assert decision.wait is Wait.CONFIRM


def test_a_second_token_dead_answer_in_a_row_revokes_at_once() -> None:
    second = run([OK, DEAD, DEAD])[-1]
    assert second.state.status is Status.REVOKED
    assert second.transition is not None
    assert (second.transition.from_status, second.transition.to_status) == (
        Status.HEALTHY,
        Status.REVOKED,
    )
    assert second.transition.reason.startswith("Confirmed by a second check.")
    # The clock follows the schedule: the interval, then the confirm delay.
    assert second.transition.at == NOW + Policy().interval + Policy().confirm_delay
    assert second.state.status_since == second.transition.at
    assert not second.state.pending_confirmation
    assert second.next_check_in == Policy().recheck_first  # the first slow re-check


def test_a_never_checked_connection_is_revoked_the_same_way() -> None:
    decisions = run([DEAD, DEAD])
    assert decisions[0].state.status is Status.PENDING
    assert decisions[1].state.status is Status.REVOKED


def test_an_ok_confirming_retry_clears_the_doubt() -> None:
    state = final([OK, DEAD, OK])
    assert state.status is Status.HEALTHY
    assert not state.pending_confirmation


def test_a_transient_answer_never_revokes_and_keeps_the_confirmation_pending() -> None:
    decisions = run([OK, DEAD, TRANSIENT])
    assert decisions[-1].state.status is Status.DEGRADED
    assert decisions[-1].state.pending_confirmation
    assert decisions[-1].confirm_retry
    assert run([OK, DEAD, TRANSIENT, DEAD])[-1].state.status is Status.REVOKED


def test_a_forbidden_answer_clears_the_confirmation() -> None:
    state = final([OK, DEAD, Outcome.FORBIDDEN, DEAD])
    assert state.status is Status.DEGRADED
    assert state.pending_confirmation
