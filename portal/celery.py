"""The Celery application: configured from Django settings under the CELERY_ namespace."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from celery import Celery
from celery.signals import before_task_publish

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
