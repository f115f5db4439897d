"""classify_me takes anything the network can throw at it without raising or leaking."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.health.outcomes import Outcome, ProbeAnswer
from connectors.providers.intercom.classify import DEAD_TOKEN_CODES, classify_me
from tests.connectors.health.support import NOW, WORKSPACE, error_body

# Intercom's codes for a dead token (Error Codes page; INTERCOM.md for token_suspended).
INTERCOM_DEAD_CODES = {"unauthorized", "token_not_found", "token_revoked", "token_expired",
                       "token_blocked", "token_suspended"}  # fmt: skip
TOKEN = "dG9rOjEyMzQ1Njc4LTkwYWItY2RlZi0xMjM0LTU2Nzg5MGFiY2RlZjoxOjA="

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
bodies = st.one_of(
    json_values,
    st.builds(
        error_body,
        st.sampled_from(
            [
                *DEAD_TOKEN_CODES,
                "token_unauthorized",
                "forbidden",
                "api_plan_restricted",
                "intercom_version_invalid",
                "x",
            ]
        ),
        st.sampled_from(["", "oops", f"Bearer {TOKEN}", f"token {TOKEN}"]),
    ),
)
header_values = st.one_of(st.text(max_size=12), st.integers(-(10**12), 10**12).map(str))
answers = st.builds(
    ProbeAnswer,
    status=st.none() | st.integers(0, 1000),
    json=bodies,
    headers=st.dictionaries(
        st.sampled_from(["X-RateLimit-Limit", "x-ratelimit-remaining", "X-RATELIMIT-RESET"]),
        header_values,
    ),
    error_kind=st.none() | st.sampled_from(["timeout", "connect", "too_large", "invalid_json"]),
)


@settings(max_examples=150, deadline=None)
@given(answers, st.none() | st.just(WORKSPACE))
def test_any_answer_is_classified_without_raising_or_leaking(
    answer: ProbeAnswer, expected: str | None
) -> None:
    result = classify_me(answer, expected_workspace=expected, now=NOW)
    assert result.reason
    assert len(result.detail) <= 200
    assert TOKEN not in repr(result)
    if result.outcome is Outcome.TOKEN_DEAD:
        body: Any = answer.json
        code = body["errors"][0]["code"]
        assert code in INTERCOM_DEAD_CODES
        assert answer.status == 401 or (answer.status == 403 and code == "token_suspended")
    if result.outcome is Outcome.RATE_LIMITED:
        assert result.rate_limit_reset is not None
