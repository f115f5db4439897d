"""With Redis unreachable the cache is empty, not broken: pages render, counters fail open."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from portal.ratelimit import hit
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def dead_cache(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache settings.py configures for a REDIS_URL where nothing listens."""
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing on port 1
    monkeypatch.setenv("PORTAL_VAR_DIR", str(django_settings.VAR_DIR))
    configured = runpy.run_path(str(Path(django_settings.BASE_DIR) / "portal" / "settings.py"))
    settings.CACHES = configured["CACHES"]


def test_reads_are_misses_and_writes_are_dropped(dead_cache: None) -> None:
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    cache.set("k", 1)
    assert cache.delete("k") is not True


def test_the_rate_counter_starts_a_fresh_window(dead_cache: None) -> None:
    assert hit("outage", window_seconds=60).count == 1
    assert hit("outage", window_seconds=60, amount=3).count == 3


@pytest.mark.django_db
def test_the_ops_dashboard_renders_without_its_cache(dead_cache: None, client: Client) -> None:
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/ops/").status_code == 200


@pytest.mark.django_db
def test_signing_in_works_without_the_rate_limit_cache(dead_cache: None, client: Client) -> None:
    user = UserFactory(email="erin@example.com")
    answer = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert answer.status_code == 302  # signed in; rate limits fail open for the outage
