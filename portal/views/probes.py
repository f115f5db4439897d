"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from portal.services.heartbeat import heartbeat_get

logger = logging.getLogger(__name__)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        logger.warning("readyz: database unavailable: %s", type(exc).__name__)
        return f"error: {type(exc).__name__}"
    return "ok"


def broker_status() -> str:
    url = settings.CELERY_BROKER_URL
    try:
        with Connection(
            url,
            connect_timeout=2,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            if conn.transport_cls == "filesystem" or url.startswith("filesystem://"):
                # The filesystem transport "connects" to anything: check its folder instead.
                folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
                if not os.access(folder, os.W_OK):
                    return "error: broker folder is not writable"
    except Exception as exc:
        logger.warning("readyz: broker unavailable: %s", type(exc).__name__)
        return f"error: {type(exc).__name__}"
    return "ok"


@require_GET
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    status = {"database": database_status(), "broker": broker_status()}
    beat = heartbeat_get() if status["database"] == "ok" else None
    body: dict[str, str | None] = dict(status)
    body["last_worker_heartbeat"] = (
        beat.worker_ran_at.isoformat() if beat and beat.worker_ran_at else None
    )
    body["last_beat_tick"] = beat.beat_sent_at.isoformat() if beat and beat.beat_sent_at else None
    failed = [name for name, value in status.items() if value != "ok"]
    if failed:
        body["failed"] = ", ".join(failed)
    return JsonResponse(body, status=503 if failed else 200)
