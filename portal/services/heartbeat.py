"""Reading and writing the beat/worker heartbeat."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from portal.models import Heartbeat

HEARTBEAT_NAME = "celery"


@dataclass(frozen=True)
class HeartbeatState:
    beat_sent_at: dt.datetime | None
    worker_ran_at: dt.datetime | None
    worker_hostname: str


def heartbeat_record(*, beat_sent_at: dt.datetime, hostname: str) -> None:
    Heartbeat.objects.update_or_create(
        name=HEARTBEAT_NAME,
        defaults={
            "beat_sent_at": beat_sent_at,
            "worker_ran_at": timezone.now(),
            "worker_hostname": hostname[:255],
        },
    )


def heartbeat_get() -> HeartbeatState:
    row = Heartbeat.objects.filter(name=HEARTBEAT_NAME).first()
    if row is None:
        return HeartbeatState(beat_sent_at=None, worker_ran_at=None, worker_hostname="")
    return HeartbeatState(
        beat_sent_at=row.beat_sent_at,
        worker_ran_at=row.worker_ran_at,
        worker_hostname=row.worker_hostname,
    )
