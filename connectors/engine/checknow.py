""" "Check now": one check at high priority, with repeated presses coalesced."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db.models import Q
from django.utils import timezone

from connectors.engine import config
from connectors.models import Connection

logger = logging.getLogger("connectors.engine")

RequestState = Literal["queued", "coalesced", "broker_down"]
BROKER_DOWN = (
    "Checks are delayed: the task queue (the broker) is not reachable, so this check "
    "could not start, and scheduled checks wait too; they catch up when it is back. "
    "Nothing was changed; try again in a minute, and tell your operator if it persists."
)


@dataclass(frozen=True)
class CheckNowRequest:
    state: RequestState
    requested_at: datetime | None


def check_now_request(*, connection: Connection, enqueue: Callable[[int], None]) -> CheckNowRequest:
    """Ask for one check of `connection`; presses within the coalesce window share it."""
    now = timezone.now()
    previous = connection.check_requested_at
    fresh = Q(check_requested_at__isnull=True) | Q(
        check_requested_at__lt=now - config.coalesce_window()
    )
    # Conditional UPDATE: of many simultaneous presses exactly one enqueues.
    if not Connection.objects.filter(pk=connection.pk).filter(fresh).update(check_requested_at=now):
        connection.refresh_from_db(fields=["check_requested_at"])
        return CheckNowRequest("coalesced", connection.check_requested_at)
    try:
        enqueue(connection.pk)
    except Exception:  # kombu/redis raise many types when the broker is gone
        logger.warning("check now of connection %s: broker unreachable", connection.pk)
        Connection.objects.filter(pk=connection.pk, check_requested_at=now).update(
            check_requested_at=previous
        )
        return CheckNowRequest("broker_down", previous)
    connection.check_requested_at = now
    return CheckNowRequest("queued", now)


def check_now_done(connection: Connection) -> bool:
    """Whether the last requested check has been recorded."""
    requested, checked = connection.check_requested_at, connection.last_checked_at
    return requested is None or (checked is not None and checked >= requested)
