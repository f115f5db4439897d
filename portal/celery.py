"""The Celery application: configured from Django settings under the CELERY_ namespace."""

from __future__ import annotations

import functools
import os
from datetime import UTC, datetime
from typing import Any

from celery import Celery
from celery.signals import before_task_publish
from celery.worker.consumer import Consumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@before_task_publish.connect
def _stamp_heartbeat(sender: str | None = None, body: object = None, **_: object) -> None:
    # Beat's schedule entries carry fixed arguments; stamping at publish time lets the
    # worker record when beat really ticked, not just when the worker got round to it.
    if sender == "portal.tasks.heartbeat" and isinstance(body, tuple) and len(body) >= 2:
        kwargs = body[1]
        if isinstance(kwargs, dict):
            kwargs["sent_at"] = datetime.now(UTC).isoformat()


class PromptConsumer(Consumer):  # type: ignore[misc]
    """The worker's consumer, retrying a lost broker at least every dispatch interval.

    kombu's default backs off 2, 4, 6 ... up to 30 s between tries, so a worker could
    sit idle for half a minute after the broker is back while due checks pile up. Capped
    at half the dispatch interval, due connections are checked within two intervals.
    """

    def ensure_connected(self, conn: Any) -> Any:
        from django.conf import settings

        dispatch = float(getattr(settings, "HEALTH_DISPATCH_SECONDS", 30))
        most = max(1.0, min(30.0, dispatch / 2))
        conn.ensure_connection = functools.partial(
            conn.ensure_connection, interval_start=0, interval_step=1, interval_max=most
        )
        return super().ensure_connected(conn)
