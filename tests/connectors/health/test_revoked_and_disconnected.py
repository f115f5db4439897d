"""Revoked is re-checked slowly for 30 days, then waits for a reconnect; disconnected is the end."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.health.outcomes import Outcome, Status
from connectors.health.policy import Policy
from connectors.health.states import HealthState, advance, disconnect, reset_after_reconnect
from tests.connectors.health.support import NOW, run, said

REVOKED = HealthState(Status.REVOKED, 0, 0, False, NOW)


H = timedelta(hours=1)
# (time since the revocation, the next re-check's delay): the issue's "1 h doubling to
# 24 h, for 30 days", with the defaults.
RECHECKS = [
    (timedelta(0), 1 * H),
    (timedelta(minutes=10), 1 * H),
    (1 * H, 1 * H),
    (2 * H, 2 * H),
    (4 * H, 4 * H),
    (8 * H, 8 * H),
    (16 * H, 16 * H),
    (32 * H, 24 * H),
    (timedelta(days=29, hours=23), 24 * H),
    (timedelta(days=30), None),
    (timedelta(days=45), None),
]


@pytest.mark.parametrize(("age", "delay"), RECHECKS)
@pytest.mark.parametrize(
    "outcome",
    [Outcome.TRANSIENT, Outcome.FORBIDDEN, Outcome.TOKEN_DEAD, Outcome.MISCONFIGURED,
     Outcome.WRONG_WORKSPACE, Outcome.RATE_LIMITED],
)  # fmt: skip
def test_revoked_stays_revoked_and_is_rechecked_at_a_slow_growing_cadence(
    outcome: Outcome, age: timedelta, delay: timedelta | None
) -> None:
    decision = advance(REVOKED, said(outcome), policy=Policy(), now=NOW + age)
    assert decision.state.status is Status.REVOKED
    assert decision.transition is None
    assert decision.next_check_in == delay
    assert not decision.confirm_retry


def test_the_recheck_cadence_follows_its_policy() -> None:
    policy = Policy(
        recheck_first=timedelta(minutes=5),
        recheck_max=timedelta(minutes=20),
        recheck_for=timedelta(hours=2),
    )
    table = [(0, 5), (5, 5), (10, 10), (19, 19), (40, 20), (119, 20), (120, None)]
    for minutes, wanted in table:
        now = NOW + timedelta(minutes=minutes)
        got = advance(REVOKED, said(Outcome.TOKEN_DEAD), policy=policy, now=now).next_check_in
        assert got == (timedelta(minutes=wanted) if wanted is not None else None), minutes


def test_two_good_rechecks_in_a_row_are_a_recovery() -> None:
    first = advance(REVOKED, said(Outcome.OK), policy=Policy(), now=NOW + timedelta(hours=1))
    assert first.state.status is Status.REVOKED
    assert first.next_check_in == Policy().base_backoff
    second = advance(first.state, said(Outcome.OK), policy=Policy(), now=NOW + 2 * H)
    assert second.state.status is Status.HEALTHY
    assert second.transition is not None
    assert second.transition.from_status is Status.REVOKED
    assert second.transition.reason.startswith("Recovered: 2 good checks in a row.")


def test_a_good_answer_then_a_dead_one_goes_back_to_the_slow_cadence() -> None:
    later = NOW + timedelta(hours=4)
    first = advance(REVOKED, said(Outcome.OK), policy=Policy(), now=later)
    again = advance(first.state, said(Outcome.TOKEN_DEAD), policy=Policy(), now=later)
    assert again.state.status is Status.REVOKED
    assert again.state.consecutive_successes == 0
    assert again.next_check_in == timedelta(hours=4)


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
