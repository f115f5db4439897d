"""X-RateLimit-* headers are read on every answer, case-insensitively, and garbage is ignored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.health.outcomes import Outcome
from connectors.providers.intercom.classify import classify_me
from tests.connectors.health.support import NOW, WORKSPACE, answer, error_body, me_body

RESET = int((NOW + timedelta(seconds=7)).timestamp())


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, me_body()), (401, error_body("token_revoked")), (403, None), (429, None), (503, None)],
)
def test_rate_limit_headers_are_parsed_on_every_answer(status: int, body: object) -> None:
    headers = {
        "X-RateLimit-Limit": "1000",
        "X-RateLimit-Remaining": "998",
        "X-RateLimit-Reset": str(RESET),
    }
    result = classify_me(answer(status, body, headers), expected_workspace=WORKSPACE, now=NOW)
    assert result.rate_limit_limit == 1000
    assert result.rate_limit_remaining == 998
    assert result.rate_limit_reset == datetime.fromtimestamp(RESET, tz=UTC)


def test_header_names_are_case_insensitive() -> None:
    headers = {"x-ratelimit-limit": "10", "X-RATELIMIT-REMAINING": "0", "x-RateLimit-Reset": "0"}
    probe = answer(200, me_body(), headers)
    result = classify_me(probe, expected_workspace=WORKSPACE, now=NOW)
    assert (result.rate_limit_limit, result.rate_limit_remaining) == (10, 0)
    assert probe.header("X-RateLimit-Limit") == "10"


@pytest.mark.parametrize("garbage", ["", "soon", "-5", "nan", "inf", "1e30", "12:00"])
def test_garbage_headers_are_ignored_not_fatal(garbage: str) -> None:
    headers = {
        "X-RateLimit-Limit": garbage,
        "X-RateLimit-Remaining": garbage,
        "X-RateLimit-Reset": garbage,
    }
    result = classify_me(answer(200, me_body(), headers), expected_workspace=WORKSPACE, now=NOW)
    assert result.outcome is Outcome.OK
    assert result.rate_limit_limit is None
    assert result.rate_limit_remaining is None
    assert result.rate_limit_reset is None


def test_a_429_waits_until_the_reset_intercom_gives() -> None:
    result = classify_me(
        answer(429, error_body("rate_limit_exceeded"), {"X-RateLimit-Reset": str(RESET)}),
        expected_workspace=WORKSPACE,
        now=NOW,
    )
    assert result.outcome is Outcome.RATE_LIMITED
    assert result.rate_limit_reset == NOW + timedelta(seconds=7)


@pytest.mark.parametrize("headers", [{}, {"X-RateLimit-Reset": "whenever"}])
def test_a_429_without_a_usable_reset_waits_a_minute(headers: dict[str, str]) -> None:
    result = classify_me(answer(429, None, headers), expected_workspace=WORKSPACE, now=NOW)
    assert result.outcome is Outcome.RATE_LIMITED
    assert result.rate_limit_reset == NOW + timedelta(seconds=60)
