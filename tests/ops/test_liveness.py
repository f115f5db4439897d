"""The dashboard's scheduler card: ages in seconds, never cached, and a stale flag."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from portal.models import Heartbeat, User


def _beat(seconds_ago: int) -> None:
    moment = timezone.now() - timedelta(seconds=seconds_ago)
    Heartbeat.objects.update_or_create(
        name="celery",
        defaults={"beat_sent_at": moment, "worker_ran_at": moment, "worker_hostname": "w1@box"},
    )


def test_a_recent_tick_shows_its_age_in_seconds_and_no_warning(
    staff: User, client: Client, settings: Any
) -> None:
    settings.HEARTBEAT_INTERVAL = 15
    _beat(5)
    client.force_login(staff)
    page = client.get("/ops/").content.decode()
    assert "5 s ago" in page or "6 s ago" in page
    assert "stale" not in page


def test_a_tick_older_than_three_intervals_is_flagged_stale_even_within_the_cache_window(
    staff: User, client: Client, settings: Any
) -> None:
    settings.HEARTBEAT_INTERVAL = 15
    settings.OPS_CACHE_SECONDS = 60
    _beat(5)
    client.force_login(staff)
    assert "stale" not in client.get("/ops/").content.decode()  # figures now cached

    _beat(50)  # beat went quiet; the cached figures must not hide it
    page = client.get("/ops/").content.decode()
    assert 'data-beat-age="50"' in page or 'data-beat-age="51"' in page
    assert "stale</span> — is <code>celery beat</code> running?" in page
    assert "stale</span> — is a <code>celery worker</code> running?" in page
