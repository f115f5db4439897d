"""The rate budget's rules, from the tables below (Intercom's Rate Limiting page: limits
per app per 10-second window, X-RateLimit-Limit the window's figure, X-RateLimit-Reset in
Unix seconds). The end-to-end behaviour is in test_rate_budget_headers.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.engine.budget import (
    RateSeen,
    default_window_limit,
    low_until,
    rate_seen,
    rate_seen_record,
    window_allowance,
)
from connectors.health.outcomes import Classification, Outcome

NOW = 1_800_000_000.0  # a window start: epoch seconds divisible by 10
RESET = NOW + 10

# (reported limit per window, HEALTH_RATE_SHARE_PERCENT) -> checks allowed per window
ALLOWANCE = [
    ((1666, 10), 166),
    ((167, 10), 16),
    ((20, 10), 2),
    ((10, 10), 1),
    ((5, 10), 1),  # never 0: nothing starves
    ((40, 5), 2),
    ((100, 100), 100),
]


@pytest.mark.parametrize(("given", "expected"), ALLOWANCE)
def test_the_allowance_is_a_share_of_the_window_limit(
    settings: Any, given: tuple[int, int], expected: int
) -> None:
    limit, share = given
    settings.HEALTH_RATE_SHARE_PERCENT = share
    assert window_allowance(limit) == expected


# Documented per-minute limit -> per-window default (a sixth: 10 s of 60).
DEFAULTS = [(10_000, 1666), (1_000, 166), (60, 10), (1, 1)]


@pytest.mark.parametrize(("per_minute", "per_window"), DEFAULTS)
def test_the_default_before_any_answer_is_a_sixth_of_the_minute(
    per_minute: int, per_window: int
) -> None:
    assert default_window_limit(per_minute) == per_window


# (remaining, reset, limit, HEALTH_RATE_LOW_PERCENT) -> wait until (None: go ahead)
LOW = [
    ((2, RESET, 10, 20), RESET),  # at the mark
    ((3, RESET, 10, 20), None),  # above it
    ((0, RESET, 1666, 20), RESET),  # a 429 says 0
    ((0, RESET, 1666, 0), RESET),  # 0 left waits whatever the mark
    ((1, NOW, 10, 20), None),  # that window is over
    ((1, NOW - 30, 10, 20), None),
    ((None, RESET, 10, 20), None),  # nothing said
    ((1, None, 10, 20), None),  # no reset: no moment to wait for
    ((300, RESET, 1666, 20), RESET),
    ((400, RESET, 1666, 20), None),
]


@pytest.mark.parametrize(("given", "expected"), LOW)
def test_a_low_remaining_waits_for_the_reset(
    settings: Any, given: tuple[int | None, float | None, int, int], expected: float | None
) -> None:
    remaining, reset, limit, low = given
    settings.HEALTH_RATE_LOW_PERCENT = low
    assert low_until(RateSeen(limit, remaining, reset), limit, NOW) == expected


def _said(limit: int | None, remaining: int | None, reset: float | None) -> Classification:
    moment = datetime.fromtimestamp(reset, tz=UTC) if reset is not None else None
    return Classification(
        outcome=Outcome.OK, reason="ok", rate_limit_limit=limit,
        rate_limit_remaining=remaining, rate_limit_reset=moment,
    )  # fmt: skip


def test_the_latest_window_and_the_fewest_left_are_remembered_per_app(db: None) -> None:
    rate_seen_record(
        [
            (1, _said(20, 15, RESET)),
            (1, _said(20, 12, RESET)),  # later in the same window
            (1, _said(20, 19, RESET - 10)),  # an answer from the window before
            (2, _said(1666, 1600, RESET)),
            (None, _said(5, 0, RESET)),  # no app: nothing to remember
        ]
    )
    assert rate_seen(1) == RateSeen(20, 12, RESET)
    assert rate_seen(2) == RateSeen(1666, 1600, RESET)
    # An answer without a limit header keeps the limit seen before.
    rate_seen_record([(1, _said(None, 3, RESET + 10))])
    assert rate_seen(1) == RateSeen(20, 3, RESET + 10)
    # Answers with no rate-limit headers at all change nothing.
    rate_seen_record([(1, _said(None, None, None))])
    assert rate_seen(1) == RateSeen(20, 3, RESET + 10)
    assert rate_seen(3) == RateSeen()
