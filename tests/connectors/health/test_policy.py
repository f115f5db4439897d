"""A policy that would break the engine's promises is refused when it is made."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.health.policy import Policy


@pytest.mark.parametrize(
    "kwargs",
    [
        {"failing_after": 0},
        {"recover_after": 0},
        {"confirm_delay": timedelta(0)},
        {"confirm_delay": timedelta(minutes=1)},  # longer than the base backoff
        {"base_backoff": timedelta(hours=1)},  # longer than the interval
        {"max_backoff": timedelta(hours=1)},
        {"max_backoff": timedelta(seconds=10)},
        {"jitter_fraction": -0.1},
        {"jitter_fraction": 0.9},
    ],
)
def test_a_policy_breaking_the_ordering_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Policy(**kwargs)  # type: ignore[arg-type]


def test_the_default_policy_matches_the_issue() -> None:
    policy = Policy()
    assert (policy.failing_after, policy.recover_after) == (3, 2)
    assert policy.confirm_delay == timedelta(seconds=5)
    assert policy.interval == timedelta(minutes=10)
    assert policy.backoff_cap == policy.interval
    assert policy.base_backoff == timedelta(seconds=30)
    assert policy.jitter_fraction == 0.1
