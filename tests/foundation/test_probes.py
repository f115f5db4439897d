"""`/healthz` says the process is up; `/readyz` says whether it can do its work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from portal.services.heartbeat import heartbeat_record

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_readyz_reports_database_broker_and_last_heartbeat(client: Client) -> None:
    sent = timezone.now() - dt.timedelta(seconds=5)
    heartbeat_record(beat_sent_at=sent, hostname="worker@test")
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert dt.datetime.fromisoformat(body["last_worker_heartbeat"]) > sent
    assert dt.datetime.fromisoformat(body["last_beat_tick"]) == sent


def test_readyz_is_503_naming_the_broker_when_redis_is_down(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")
    assert body["failed"] == "broker"


def test_pages_carry_a_strict_content_security_policy(client: Client) -> None:
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
