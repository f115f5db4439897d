"""Slow answers degrade without touching the failure counters; the status reason always
describes the latest answer that set or kept a status (neutral answers keep it).

Every expectation comes from the tables below, written from the table in
`connectors/health/states.py` and issue 15, not from the code.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.health.outcomes import Classification, Outcome, Status
from connectors.health.policy import Policy
from connectors.health.schedule import Wait
from connectors.health.states import Decision, HealthState, advance
from tests.connectors.health.support import NOW

OK, TRANSIENT, DEAD = Outcome.OK, Outcome.TRANSIENT, Outcome.TOKEN_DEAD
LIMITED, MISCONF, FORBIDDEN = Outcome.RATE_LIMITED, Outcome.MISCONFIGURED, Outcome.FORBIDDEN
POLICY = Policy(slow_after=timedelta(seconds=5))
FAST, SLOW = 0.3, 7.2  # seconds an answer took

# (outcome, seconds it took) per step; None: latency unknown.
Step = tuple[Outcome, float | None]


def _feed(steps: list[Step], state: HealthState | None = None) -> list[Decision]:
    current = state or HealthState.initial(NOW)
    now = NOW
    decisions = []
    for outcome, seconds in steps:
        said = Classification(outcome=outcome, reason=f"because {outcome}")
        latency = None if seconds is None else timedelta(seconds=seconds)
        decision = advance(
            current, said, policy=POLICY, now=now, latency=latency, provider_name="Acme API"
        )
        decisions.append(decision)
        current = decision.state
        now += decision.next_check_in or timedelta(minutes=1)
    return decisions


SLOW_REASON = "Acme API answered in 7.2 s (slow: over 5 s); the token works; checks continue."

# steps -> (final status, consecutive_failures, consecutive_successes, next wait)
SLOW_ROWS: list[tuple[str, list[Step], tuple[Status, int, int, Wait]]] = [
    ("a slow first answer degrades", [(OK, SLOW)], (Status.DEGRADED, 0, 0, Wait.INTERVAL)),
    ("slow from healthy degrades", [(OK, FAST), (OK, SLOW)],
     (Status.DEGRADED, 0, 0, Wait.INTERVAL)),
    ("exactly the threshold is not slow", [(OK, FAST), (OK, 5.0)],
     (Status.HEALTHY, 0, 2, Wait.INTERVAL)),
    ("unknown latency is never slow", [(OK, None), (OK, None)],
     (Status.HEALTHY, 0, 2, Wait.INTERVAL)),
    ("slow keeps the failure count", [(OK, FAST), (TRANSIENT, None), (TRANSIENT, None),
                                      (OK, SLOW)], (Status.DEGRADED, 2, 0, Wait.INTERVAL)),
    ("slow after failing is degraded, the count kept",
     [(TRANSIENT, None)] * 3 + [(OK, SLOW)], (Status.DEGRADED, 3, 0, Wait.INTERVAL)),
    ("a transient after slow counts on", [(TRANSIENT, None), (TRANSIENT, None), (OK, SLOW),
                                          (TRANSIENT, None)],
     (Status.FAILING, 3, 0, Wait.BACKOFF)),
    ("one fast answer after slow is not yet a recovery", [(OK, FAST), (OK, SLOW), (OK, FAST)],
     (Status.DEGRADED, 0, 1, Wait.RECOVERY)),
    ("two fast answers after slow recover", [(OK, FAST), (OK, SLOW), (OK, FAST), (OK, FAST)],
     (Status.HEALTHY, 0, 2, Wait.INTERVAL)),
    ("slow breaks a run of good answers", [(TRANSIENT, None), (OK, FAST), (OK, SLOW),
                                           (OK, FAST)], (Status.DEGRADED, 0, 1, Wait.RECOVERY)),
    ("slow clears a pending confirmation", [(OK, FAST), (DEAD, None), (OK, SLOW), (DEAD, None)],
     (Status.DEGRADED, 0, 0, Wait.CONFIRM)),
]  # fmt: skip


@pytest.mark.parametrize(("steps", "expected"), [r[1:] for r in SLOW_ROWS],
                         ids=[r[0] for r in SLOW_ROWS])  # fmt: skip
def test_slow_answers(steps: list[Step], expected: tuple[Status, int, int, Wait]) -> None:
    last = _feed(steps)[-1]
    state = last.state
    assert (state.status, state.consecutive_failures, state.consecutive_successes, last.wait) == (
        expected
    )


def test_a_slow_answer_names_the_provider_and_the_time() -> None:
    decision = _feed([(OK, FAST), (OK, SLOW)])[-1]
    assert decision.status_reason == SLOW_REASON
    assert decision.transition is not None
    assert decision.transition.reason == SLOW_REASON
    assert decision.next_check_in == POLICY.interval


def test_slow_never_leads_out_of_revoked() -> None:
    revoked = HealthState(status=Status.REVOKED, consecutive_successes=1, status_since=NOW)
    decision = _feed([(OK, SLOW)], state=revoked)[-1]
    assert decision.state.status is Status.REVOKED
    assert decision.state.consecutive_successes == 0


def test_the_slow_threshold_can_be_switched_off() -> None:
    said = Classification(outcome=OK, reason="fine")
    decision = advance(
        HealthState(status=Status.HEALTHY), said, policy=Policy(slow_after=None), now=NOW,
        latency=timedelta(minutes=5),
    )  # fmt: skip
    assert decision.state.status is Status.HEALTHY


def test_a_threshold_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="slow_after"):
        Policy(slow_after=timedelta(0))


KEEP = None  # the previous reason stays

# steps -> the status reason after each step (KEEP: unchanged from the step before).
REASON_ROWS: list[tuple[str, list[Step], list[str | None]]] = [
    ("a transient then timeouts: the latest one is named",
     [(OK, FAST), (TRANSIENT, None), (TRANSIENT, None), (TRANSIENT, None), (TRANSIENT, None)],
     ["because ok", "because transient",
      "2 failed checks in a row. Latest: because transient",
      "3 failed checks in a row. Latest: because transient",
      "4 failed checks in a row. Latest: because transient"]),
    ("rate limited and misconfigured answers keep the reason",
     [(TRANSIENT, None), (LIMITED, None), (MISCONF, None)],
     ["because transient", KEEP, KEEP]),
    ("a first dead answer keeps the reason until confirmed",
     [(FORBIDDEN, None), (DEAD, None), (DEAD, None)],
     ["because forbidden", KEEP, "Confirmed by a second check. because token_dead"]),
    ("forbidden kept degraded says so each time", [(TRANSIENT, None), (FORBIDDEN, None)],
     ["because transient", "because forbidden"]),
    ("an ok answer that keeps degraded says it is recovering",
     [(TRANSIENT, None), (OK, FAST), (OK, FAST), (OK, FAST)],
     ["because transient", "Recovering: 1 of 2 good checks in a row. because ok",
      "Recovered: 2 good checks in a row. because ok", KEEP]),
    ("healthy and pending keep their reason", [(LIMITED, None), (OK, FAST), (OK, FAST)],
     [KEEP, "because ok", KEEP]),
    ("slow, then slow again, then fast", [(OK, SLOW), (OK, SLOW), (OK, FAST)],
     [SLOW_REASON, SLOW_REASON, "Recovering: 1 of 2 good checks in a row. because ok"]),
    ("revoked keeps its reason on a transient answer",
     [(DEAD, None), (DEAD, None), (TRANSIENT, None), (OK, FAST)],
     [KEEP, "Confirmed by a second check. because token_dead", KEEP, KEEP]),
]  # fmt: skip


@pytest.mark.parametrize(("steps", "reasons"), [r[1:] for r in REASON_ROWS],
                         ids=[r[0] for r in REASON_ROWS])  # fmt: skip
def test_the_reason_follows_the_latest_answer(steps: list[Step], reasons: list[str | None]) -> None:
    decisions = _feed(steps)
    assert [d.status_reason for d in decisions] == reasons
    for decision in decisions:
        if decision.transition is not None:
            assert decision.transition.reason == decision.status_reason
