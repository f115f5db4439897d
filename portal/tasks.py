"""Housekeeping tasks of the portal itself."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from portal.services.heartbeat import heartbeat_record


@shared_task(name="portal.tasks.heartbeat", bind=True, ignore_result=True)
def heartbeat(self, sent_at: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Beat sends this on a schedule; a worker running it proves both are alive."""
    try:
        beat_time = dt.datetime.fromisoformat(sent_at) if sent_at else timezone.now()
    except ValueError:
        beat_time = timezone.now()
    heartbeat_record(beat_sent_at=beat_time, hostname=str(self.request.hostname or ""))
