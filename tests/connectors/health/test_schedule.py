"""Next-check times: jitter that never breaks a promise, and a fleet spread over the interval."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from connectors.health.outcomes import Outcome, Status
from connectors.health.policy import Policy
from connectors.health.schedule import (
    Wait,
    backoff_delay,
    jittered,
    next_check_at,
    rate_limit_delay,
    refresh_due_at,
)
from connectors.health.states import HealthState, advance
from tests.connectors.health.support import NOW, said

POLICY = Policy()


def test_the_schedule_is_deterministic_given_the_random_source() -> None:
    decision = advance(HealthState.initial(NOW), said(Outcome.OK), policy=POLICY, now=NOW)
    first = next_check_at(decision, now=NOW, policy=POLICY, rng=random.Random(7))
    second = next_check_at(decision, now=NOW, policy=POLICY, rng=random.Random(7))
    assert first == second


def test_regular_checks_are_spread_earlier_never_later_than_the_interval() -> None:
    rng = random.Random(1)
    times = [next_check_at(POLICY.interval, now=NOW, policy=POLICY, rng=rng) for _ in range(200)]
    assert all(t is not None for t in times)
    delays = [t - NOW for t in times if t is not None]
    assert max(delays) <= POLICY.interval
    assert min(delays) >= POLICY.interval * 0.9
    assert len(set(delays)) > 100, "jitter spreads connections apart"


@pytest.mark.parametrize("wait", [Wait.CONFIRM, Wait.RATE_LIMIT])
def test_floors_are_only_ever_pushed_later(wait: Wait) -> None:
    rng = random.Random(2)
    delay = timedelta(seconds=10)
    for _ in range(100):
        spread = jittered(delay, wait=wait, fraction=0.1, rng=rng)
        assert delay <= spread <= delay * 1.1


def test_a_decision_without_a_next_check_schedules_nothing() -> None:
    revoked = HealthState(Status.REVOKED, 0, 0, False, NOW)
    # Revoked over 30 days ago: no more re-checks.
    later = NOW + timedelta(days=31)
    decision = advance(revoked, said(Outcome.TOKEN_DEAD), policy=POLICY, now=later)
    assert next_check_at(decision, now=later, policy=POLICY, rng=random.Random(3)) is None
    assert next_check_at(None, now=NOW, policy=POLICY, rng=random.Random(3)) is None


def test_backoff_doubles_from_the_base_and_stops_at_the_cap() -> None:
    assert backoff_delay(0, policy=POLICY) == timedelta(seconds=30)
    assert backoff_delay(1, policy=POLICY) == timedelta(seconds=30)
    assert backoff_delay(2, policy=POLICY) == timedelta(seconds=60)
    assert backoff_delay(10_000, policy=POLICY) == POLICY.interval


def test_rate_limit_waits_are_clamped_between_the_confirm_delay_and_the_interval() -> None:
    assert rate_limit_delay(NOW - timedelta(hours=1), now=NOW, policy=POLICY) == timedelta(
        seconds=5
    )
    assert rate_limit_delay(NOW + timedelta(days=1), now=NOW, policy=POLICY) == POLICY.interval
    assert rate_limit_delay(None, now=NOW, policy=POLICY) == timedelta(seconds=60)


# lifetime, refresh-ahead -> how long before expiry the refresh is due (issue 15: ahead
# of expiry by HEALTH_REFRESH_AHEAD_SECONDS; a short token at half its life).
REFRESH_LEADS = [
    (3600, 600, 600),
    (1200, 600, 600),
    (900, 600, 450),
    (120, 600, 60),
    (1, 600, 0.5),
    (0, 600, 0),
]


@pytest.mark.parametrize(("lifetime", "ahead", "lead"), REFRESH_LEADS)
def test_a_refresh_is_due_ahead_of_expiry_or_at_half_a_short_life(
    lifetime: int, ahead: int, lead: float
) -> None:
    expires = NOW + timedelta(seconds=lifetime)
    due = refresh_due_at(issued_at=NOW, expires_at=expires, ahead=timedelta(seconds=ahead))
    assert expires - due == timedelta(seconds=lead)
