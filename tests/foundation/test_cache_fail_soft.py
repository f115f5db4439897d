"""With Redis unreachable the cache is empty, not broken: pages render, counters fail open."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import PASSWORD, UserFactory

DEAD_REDIS = {
    "default": {
        "BACKEND": "portal.cache.FailSoftRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def dead_cache(settings: Any) -> None:
    settings.CACHES = DEAD_REDIS


def test_reads_are_misses_and_writes_are_dropped(dead_cache: None) -> None:
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    cache.set("k", 1)
    assert cache.add("k", 1) is True  # as into an empty cache: locks do not wait
    assert cache.delete("k") is False
    with pytest.raises(ValueError, match="not found"):  # callers open a new window
        cache.incr("k")


@pytest.mark.django_db
def test_the_ops_dashboard_renders_without_its_cache(dead_cache: None, client: Client) -> None:
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/ops/").status_code == 200


@pytest.mark.django_db
def test_signing_in_works_without_the_rate_limit_cache(dead_cache: None, client: Client) -> None:
    user = UserFactory(email="erin@example.com")
    answer = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert answer.status_code == 302  # signed in; rate limits fail open for the outage
