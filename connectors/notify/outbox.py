"""Writing events: `notify_event` is called inside the transaction of the change itself.

    with transaction.atomic():
        ... change the connection, write the transition ...
        notify_event(team=team, event_type="connection.status_changed", connection=c,
                     data={"from": "healthy", "to": "revoked", "reason": "...", "at": at}, at=at)

The row commits (or rolls back) with the change; delivery is enqueued only after commit.
A flapping connection's status changes past the hourly limit are kept but collapsed, and
`flapping_summarise` later sends one summary for them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from celery import current_app
from django.db import transaction
from django.utils import timezone

from connectors.notify.models import EmailState, EventType, OutboxEvent

if TYPE_CHECKING:
    from connectors.models import Connection
    from portal.models import Team

logger = logging.getLogger("connectors.notify")

# The workers' task names (connectors.notify.tasks). Sent by name, so that writing an event
# does not import the tasks, which import the dispatch, which imports this module.
PROCESS_EVENT_TASK = "notify.process_event"
ATTEMPT_DELIVERY_TASK = "notify.attempt_delivery"

# At most this many status-change messages per connection per window; the rest collapse.
FLAP_LIMIT = 4
FLAP_WINDOW = timedelta(hours=1)
# A collapsed run is summarised once it has been quiet this long, or is this old.
FLAP_QUIET = timedelta(minutes=10)


def _plain(value: Any) -> Any:
    """JSON-safe values: datetimes become ISO 8601 text."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _is_duplicate(connection: Connection | None, event_type: str, data: dict[str, Any]) -> bool:
    if connection is None or event_type != EventType.STATUS_CHANGED:
        return False
    return OutboxEvent.objects.filter(
        connection=connection, event_type=event_type, data=data
    ).exists()


def _should_collapse(connection: Connection | None, event_type: str, at: datetime) -> bool:
    if connection is None or event_type != EventType.STATUS_CHANGED:
        return False
    recent = OutboxEvent.objects.filter(
        connection=connection,
        event_type=EventType.STATUS_CHANGED,
        occurred_at__gt=at - FLAP_WINDOW,
        collapsed=False,
    ).count()
    pending_run = OutboxEvent.objects.filter(
        connection=connection, collapsed=True, summarised_at__isnull=True
    ).exists()
    # While a run is being collapsed, everything joins it, so the summary tells it all.
    return pending_run or recent >= FLAP_LIMIT


def notify_event(
    *,
    team: Team,
    event_type: str,
    connection: Connection | None,
    data: dict[str, Any],
    at: datetime,
) -> OutboxEvent:
    """Write one outbox event in the caller's transaction; enqueue delivery after commit."""
    if event_type not in EventType.values:
        raise ValueError(f"unknown event type {event_type!r}")
    data = _plain(data)
    if _is_duplicate(connection, event_type, data):
        existing = OutboxEvent.objects.filter(
            connection=connection, event_type=event_type, data=data
        ).first()
        if existing is not None:
            return existing
    collapsed = _should_collapse(connection, event_type, at)
    event = OutboxEvent.objects.create(
        team=team,
        connection=connection,
        event_type=event_type,
        data=data,
        occurred_at=at,
        collapsed=collapsed,
        processed_at=timezone.now() if collapsed else None,
        email_state=EmailState.COLLAPSED if collapsed else EmailState.PENDING,
    )
    if not collapsed:
        event_id = event.pk
        transaction.on_commit(lambda: event_enqueue(event_id=event_id))
    return event


def event_enqueue(*, event_id: int) -> None:
    """Hand the event to a worker; if the broker is down, the beat sweep picks it up."""
    try:
        current_app.send_task(PROCESS_EVENT_TASK, args=(event_id,))
    except Exception:  # kombu/redis raise many types when the broker is gone
        logger.warning("notify: could not enqueue event %s; the sweep will send it", event_id)


def delivery_enqueue(*, delivery_id: int) -> None:
    """Hand one delivery attempt to a worker; if the broker is down, the sweep sends it."""
    try:
        current_app.send_task(ATTEMPT_DELIVERY_TASK, args=(delivery_id,))
    except Exception:  # kombu/redis raise many types when the broker is gone
        logger.warning("notify: could not enqueue delivery %s; the sweep will send it", delivery_id)


def event_payload(event: OutboxEvent) -> dict[str, Any]:
    """The JSON a webhook receives (also the basis of the email)."""
    connection = event.connection
    conn: dict[str, Any] | None = None
    if connection is not None:
        conn = {
            "id": connection.pk,
            "workspace_id": connection.external_id,
            "workspace_name": connection.workspace_name,
            "provider": connection.provider,
            "region": connection.region,
            "status": connection.status,
        }
    return {
        "id": str(event.public_id),
        "type": event.event_type,
        "occurred_at": event.occurred_at.isoformat(),
        "team": event.team.slug,
        "connection": conn,
        "data": event.data,
    }


def _last_told_bad(connection: Connection) -> bool:
    last = (
        OutboxEvent.objects.filter(connection=connection, event_type=EventType.STATUS_CHANGED)
        .order_by("-occurred_at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    return isinstance(last, dict) and last.get("to") not in (None, "healthy")


def notify_transition(
    *, connection: Connection, from_status: str, to_status: str, reason: str, at: datetime
) -> OutboxEvent | None:
    """`connection.status_changed` for a written Transition; the first check's is skipped.

    A change out of `pending` is the first check after a connect or reconnect, which the
    connect event already announces, so it is not sent twice. A revocation held during a
    provider incident (`suspect`) is the operators' news, not the team's: going into it
    is never sent, and coming out of it only if the team's last message was bad news
    (a revocation just before the incident was seen), so that alert closes itself.
    """
    if from_status == to_status or from_status == "pending" or to_status == "suspect":
        return None
    if from_status == "suspect" and to_status == "healthy" and not _last_told_bad(connection):
        return None
    return notify_event(
        team=connection.team,
        event_type=EventType.STATUS_CHANGED,
        connection=connection,
        data={"from": from_status, "to": to_status, "reason": reason, "at": at},
        at=at,
    )
