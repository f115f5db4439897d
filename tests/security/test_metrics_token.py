"""/metrics compares its token as bytes: a non-ASCII bearer is a 401, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-the-test-0123456789"


@pytest.mark.parametrize("given", ["é", "ü" * 40, "日本", "\u202e", TOKEN + "é", "é" + TOKEN])
def test_a_non_ascii_bearer_is_refused_with_401(settings: Any, given: str) -> None:
    settings.METRICS_TOKEN = TOKEN
    answer = Client(headers={"Authorization": f"Bearer {given}"}).get("/metrics")
    assert answer.status_code == 401


def test_the_right_token_still_opens_it(settings: Any) -> None:
    settings.METRICS_TOKEN = TOKEN
    assert Client(headers={"Authorization": f"Bearer {TOKEN}"}).get("/metrics").status_code == 200
