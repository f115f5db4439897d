"""Properties of the state machine over arbitrary policies and outcome sequences."""

from __future__ import annotations

import itertools
import random
from collections import deque
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.health.outcomes import Classification, Outcome, Status
from connectors.health.policy import Policy
from connectors.health.schedule import FLOOR_WAITS, Wait, next_check_at
from connectors.health.states import HealthState, advance
from tests.connectors.health.support import NOW, said

FAST = settings(max_examples=100, deadline=None)
NEUTRAL = [Outcome.RATE_LIMITED, Outcome.MISCONFIGURED]
LIVE = [Status.PENDING, Status.HEALTHY, Status.DEGRADED, Status.FAILING]


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    confirm = draw(st.integers(1, 30))
    base = draw(st.integers(confirm, 120))
    interval = draw(st.integers(base, 3600))
    cap = draw(st.none() | st.integers(base, interval))
    return Policy(
        failing_after=draw(st.integers(1, 6)),
        recover_after=draw(st.integers(1, 6)),
        confirm_delay=timedelta(seconds=confirm),
        base_backoff=timedelta(seconds=base),
        interval=timedelta(seconds=interval),
        max_backoff=None if cap is None else timedelta(seconds=cap),
        jitter_fraction=draw(st.floats(0.0, 0.5)),
    )


@st.composite
def classifications(draw: st.DrawFn) -> Classification:
    outcome = draw(st.sampled_from(list(Outcome)))
    reset = None
    if outcome is Outcome.RATE_LIMITED:
        offset = draw(st.none() | st.integers(-3600, 86_400))
        reset = None if offset is None else NOW + timedelta(seconds=offset)
    return said(outcome, reset=reset)


@st.composite
def states(draw: st.DrawFn, statuses: list[Status] | None = None) -> HealthState:
    status = draw(st.sampled_from(statuses or [*LIVE, Status.SUSPECT, Status.REVOKED]))
    return HealthState(
        status=status,
        consecutive_failures=draw(st.integers(0, 10)),
        consecutive_successes=0,
        pending_confirmation=status in LIVE and draw(st.booleans()),
        status_since=NOW,
    )


@FAST
@given(policies(), states(LIVE), st.integers(1, 40))
def test_transient_errors_alone_never_revoke(policy: Policy, state: HealthState, n: int) -> None:
    for _ in range(n):
        state = advance(state, said(Outcome.TRANSIENT), policy=policy, now=NOW).state
        assert state.status is not Status.REVOKED


@FAST
@given(policies(), states(), st.lists(classifications(), max_size=30))
def test_only_a_confirmed_token_dead_answer_revokes(
    policy: Policy, state: HealthState, answers: list[Classification]
) -> None:
    for answer in answers:
        decision = advance(state, answer, policy=policy, now=NOW)
        if decision.state.status is Status.REVOKED and state.status is not Status.REVOKED:
            assert answer.outcome is Outcome.TOKEN_DEAD
            # Confirmed by a retry, or confirmed already and held as suspect.
            assert state.pending_confirmation or state.status is Status.SUSPECT
        state = decision.state


@FAST
@given(policies(), states(), st.lists(classifications(), max_size=30))
def test_every_delay_lies_between_the_confirm_delay_and_the_interval(
    policy: Policy, state: HealthState, answers: list[Classification]
) -> None:
    rng = random.Random(0)
    for answer in answers:
        decision = advance(state, answer, policy=policy, now=NOW)
        delay = decision.next_check_in
        if delay is not None and decision.wait is Wait.RECHECK:
            # A revoked connection's slow re-checks have their own bounds.
            assert decision.state.status is Status.REVOKED
            assert policy.recheck_first <= delay <= policy.recheck_max
        elif delay is not None:
            assert policy.confirm_delay <= delay <= policy.interval
            at = next_check_at(decision, now=NOW, policy=policy, rng=rng)
            assert at is not None
            if decision.wait in FLOOR_WAITS:
                assert at - NOW >= delay
            else:
                assert at - NOW <= policy.interval
        state = decision.state


@FAST
@given(policies(), states(), st.lists(classifications(), max_size=30))
def test_every_change_of_status_is_one_transition_with_from_to_reason_and_time(
    policy: Policy, state: HealthState, answers: list[Classification]
) -> None:
    now = NOW
    for answer in answers:
        now += timedelta(seconds=1)
        decision = advance(state, answer, policy=policy, now=now)
        if decision.state.status is state.status:
            assert decision.transition is None
            assert decision.state.status_since == state.status_since
        else:
            assert decision.transition is not None
            assert decision.transition.from_status is state.status
            assert decision.transition.to_status is decision.state.status
            assert decision.transition.reason
            assert decision.transition.at == now == decision.state.status_since
        state = decision.state


@FAST
@given(
    policies(),
    st.sampled_from([Status.DEGRADED, Status.FAILING, Status.REVOKED]),
    st.lists(st.sampled_from(NEUTRAL), max_size=3),
)
def test_recovery_needs_exactly_recover_after_good_checks(
    policy: Policy, status: Status, neutral: list[Outcome]
) -> None:
    state = HealthState(status, 0, 0, False, NOW)
    for good in range(1, policy.recover_after + 1):
        for outcome in neutral:  # neutral answers in between neither help nor hurt
            state = advance(state, said(outcome), policy=policy, now=NOW).state
        state = advance(state, said(Outcome.OK), policy=policy, now=NOW).state
        expected = Status.HEALTHY if good == policy.recover_after else status
        assert state.status is expected


@settings(max_examples=40, deadline=None)
@given(policies())
def test_every_status_but_disconnected_is_reachable_from_pending(policy: Policy) -> None:
    start = HealthState.initial(NOW)
    seen = {start}
    queue = deque([(start, 0)])
    depth_limit = policy.failing_after + policy.recover_after + 3
    while queue:
        state, depth = queue.popleft()
        if depth == depth_limit:
            continue
        for outcome, incident in itertools.product(Outcome, (False, True)):
            nxt = advance(state, said(outcome), policy=policy, now=NOW, incident=incident).state
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, depth + 1))
    assert {s.status for s in seen} == set(Status) - {Status.DISCONNECTED}


@FAST
@given(policies(), st.lists(classifications(), max_size=20))
def test_disconnected_absorbs_every_answer(policy: Policy, answers: list[Classification]) -> None:
    state = HealthState(Status.DISCONNECTED, 0, 0, False, NOW)
    for answer in answers:
        decision = advance(state, answer, policy=policy, now=NOW)
        assert decision.state == state
        assert decision.transition is None
        assert decision.next_check_in is None
