"""Nothing a classification carries may leak a token, and details stay short."""

from __future__ import annotations

import pytest

from connectors.providers.intercom.classify import classify_me
from portal.logs import redact
from tests.connectors.health.support import NOW, WORKSPACE, answer, error_body

TOKEN = "dG9rOjEyMzQ1Njc4LTkwYWItY2RlZi0xMjM0LTU2Nzg5MGFiY2RlZjoxOjA="


@pytest.mark.parametrize(
    "message",
    [
        f"Access Token Invalid: {TOKEN}",
        f"Authorization: Bearer {TOKEN}",
        f"token={TOKEN[:12]}",
        f"client_secret: {TOKEN[:10]}",
    ],
)
def test_an_echoed_token_never_reaches_the_detail(message: str) -> None:
    result = classify_me(
        answer(401, error_body("token_revoked", message)), expected_workspace=WORKSPACE, now=NOW
    )
    assert TOKEN not in repr(result)
    assert TOKEN[:10] not in result.detail
    assert "[redacted]" in result.detail


def test_the_detail_keeps_what_support_needs() -> None:
    result = classify_me(
        answer(401, error_body("token_revoked", "Token revoked")),
        expected_workspace=WORKSPACE,
        now=NOW,
    )
    assert result.detail == "HTTP 401 token_revoked 'Token revoked' request_id=req-0001"


def test_details_are_at_most_200_characters_on_one_line() -> None:
    message = "word " * 200 + "\nsecond line"
    result = classify_me(
        answer(500, error_body("server_error", message)), expected_workspace=WORKSPACE, now=NOW
    )
    assert len(result.detail) <= 200
    assert "\n" not in result.detail


def test_redact_masks_known_secrets_even_when_short() -> None:
    assert redact("the secret is s3cr3t!", secrets=("s3cr3t!",)) == "the secret is [redacted]"
