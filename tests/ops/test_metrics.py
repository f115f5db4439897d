"""/metrics: Prometheus text, bearer-protected, disabled unless METRICS_TOKEN is set."""

from __future__ import annotations

import re
from typing import Any as SettingsWrapper

import pytest
from django.test import Client

from connectors.models import Connection
from connectors.ops.demo import demo_seed
from portal.models import Team
from tests.dashboards.fleet import fleet_build

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def metrics_on(settings: SettingsWrapper) -> None:
    settings.METRICS_TOKEN = TOKEN


@pytest.mark.django_db
def test_unset_token_disables_the_endpoint(client: Client, settings: SettingsWrapper) -> None:
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


@pytest.mark.django_db
@pytest.mark.usefixtures("metrics_on")
def test_a_wrong_or_missing_token_gets_401(client: Client) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401


def _gauge(text: str, status: str) -> float:
    found = re.findall(
        rf'^portal_connections\{{[^}}]*status="{status}"[^}}]*\}} (\S+)$', text, re.M
    )
    return sum(float(v) for v in found)


@pytest.mark.django_db
@pytest.mark.usefixtures("metrics_on")
def test_status_counts_match_the_database_after_a_seeded_run(client: Client) -> None:
    demo_seed()
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    text = response.content.decode()
    for status in ["healthy", "degraded", "failing", "revoked", "pending", "disconnected"]:
        assert _gauge(text, status) == Connection.objects.filter(status=status).count(), status
    assert 'portal_checks_total{outcome="ok"}' in text
    assert "portal_check_latency_seconds_bucket" in text
    assert "portal_dispatch_lag_seconds" in text
    assert "portal_beat_tick_age_seconds" in text
    assert "portal_worker_heartbeat_age_seconds" in text


@pytest.mark.django_db
@pytest.mark.usefixtures("metrics_on")
def test_latency_histogram_counts_recent_checks(client: Client, team: Team) -> None:
    fleet_build(team, 4)  # one check each within the last 15 minutes, 120 ms
    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert 'portal_check_latency_seconds_bucket{le="0.2"} 4.0' in text
    assert "portal_check_latency_seconds_count 4.0" in text


@pytest.mark.django_db
@pytest.mark.usefixtures("metrics_on")
def test_a_tick_stamped_during_the_scrape_reads_as_age_zero_never_negative(client: Client) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from portal.models import Heartbeat

    ahead = timezone.now() + timedelta(seconds=2)  # written after the scrape read its clock
    Heartbeat.objects.create(name="celery", beat_sent_at=ahead, worker_ran_at=ahead)
    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert re.search(r"^portal_beat_tick_age_seconds 0\.0$", text, re.M), text
    assert re.search(r"^portal_worker_heartbeat_age_seconds 0\.0$", text, re.M), text
