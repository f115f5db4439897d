"""Fan-out and sweeping: events become emails and webhook deliveries, exactly once each."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from connectors.notify.emails import email_recipients, event_email_send
from connectors.notify.models import (
    DeliveryState,
    EmailState,
    EventType,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from connectors.notify.outbox import FLAP_QUIET, FLAP_WINDOW, notify_event
from connectors.notify.webhooks import delivery_attempt

logger = logging.getLogger("connectors.notify")

EMAIL_MAX_ATTEMPTS = 5
# An event not picked up this long after it was written missed its enqueue.
MISSED_AFTER = timedelta(seconds=20)


def outbox_process(*, event_id: int, send: bool = True) -> bool:
    """Fan one event out to its channels; False if another worker already did."""
    now = timezone.now()
    if not OutboxEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
        processed_at=now
    ):
        return False
    event = OutboxEvent.objects.select_related("team", "connection").get(pk=event_id)
    endpoints = WebhookEndpoint.objects.filter(team_id=event.team_id, enabled=True)
    delivery_ids: list[int] = []
    for endpoint in endpoints:
        if not endpoint.wants(event.event_type):
            continue
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    event=event, endpoint=endpoint, next_attempt_at=now
                )
        except IntegrityError:  # already fanned out to this endpoint
            continue
        delivery_ids.append(delivery.pk)
    if event.event_type == EventType.TEST:
        OutboxEvent.objects.filter(pk=event.pk).update(email_state=EmailState.SKIPPED)
    elif send:
        email_try(event_id=event.pk)
    if send:
        for delivery_id in delivery_ids:
            delivery_attempt(delivery_id=delivery_id)
    return True


def email_try(*, event_id: int) -> str:
    """Send the event's email once (claimed, so never twice); answers the new email state."""
    now = timezone.now()
    due = Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now)
    # Claim by pushing the next attempt out: a parallel sweep skips it meanwhile.
    claimed = (
        OutboxEvent.objects.filter(pk=event_id, email_state=EmailState.PENDING)
        .filter(due)
        .update(email_next_attempt_at=now + timedelta(minutes=5))
    )
    if not claimed:
        return ""
    event = OutboxEvent.objects.select_related("team", "connection").get(pk=event_id)
    recipients = email_recipients(event.team)
    if not recipients:
        OutboxEvent.objects.filter(pk=event_id).update(email_state=EmailState.SKIPPED)
        return EmailState.SKIPPED
    attempts = event.email_attempts + 1
    try:
        event_email_send(event=event, recipients=recipients)
    except Exception as exc:  # SMTP errors come in many types
        logger.warning("notify: email for event %s failed: %s", event_id, type(exc).__name__)
        give_up = attempts >= EMAIL_MAX_ATTEMPTS
        OutboxEvent.objects.filter(pk=event_id).update(
            email_attempts=attempts,
            email_state=EmailState.FAILED if give_up else EmailState.PENDING,
            email_next_attempt_at=None if give_up else now + timedelta(minutes=2**attempts),
            email_error=f"The mail server refused or was unreachable ({type(exc).__name__}).",
        )
        return EmailState.FAILED if give_up else EmailState.PENDING
    OutboxEvent.objects.filter(pk=event_id).update(
        email_attempts=attempts, email_state=EmailState.SENT, email_sent_at=now,
        email_recipients="\n".join(recipients), email_error="", email_next_attempt_at=None,
    )  # fmt: skip
    return EmailState.SENT


def flapping_summarise(*, now: datetime | None = None) -> int:
    """Send one summary per connection whose collapsed run has gone quiet (or grown old)."""
    now = now or timezone.now()
    runs = (
        OutboxEvent.objects.filter(collapsed=True, summarised_at__isnull=True)
        .values("connection_id", "team_id")
        .annotate(first=Min("occurred_at"), last=Max("occurred_at"))
    )
    sent = 0
    for run in runs:
        if run["last"] > now - FLAP_QUIET and run["first"] > now - FLAP_WINDOW:
            continue
        with transaction.atomic():
            events = list(
                OutboxEvent.objects.select_for_update()
                .select_related("team", "connection")
                .filter(
                    connection_id=run["connection_id"], collapsed=True, summarised_at__isnull=True
                )
                .order_by("occurred_at", "id")
            )
            if not events:
                continue
            OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(summarised_at=now)
            connection = events[0].connection
            changes = [
                {"at": e.occurred_at.isoformat(), "from": e.data.get("from"),
                 "to": e.data.get("to"), "reason": e.data.get("reason", "")}
                for e in events
            ]  # fmt: skip
            notify_event(
                team=events[0].team,
                event_type=EventType.STATUS_SUMMARY,
                connection=connection,
                data={
                    "count": len(events),
                    "from": changes[0]["from"],
                    "to": changes[-1]["to"],
                    "status_now": connection.status if connection else "",
                    "changes": changes[:50],
                    "reason": "The status changed often; these changes were collapsed into one "
                    "message so that nobody is flooded.",
                },
                at=now,
            )
            sent += 1
    return sent


def notify_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The beat's job: missed events, due webhook retries, due email retries, summaries."""
    now = now or timezone.now()
    missed = list(
        OutboxEvent.objects.filter(
            processed_at__isnull=True, created_at__lt=now - MISSED_AFTER
        ).values_list("pk", flat=True)[:200]
    )
    for event_id in missed:
        outbox_process(event_id=event_id)
    due = list(
        WebhookDelivery.objects.filter(
            state__in=[DeliveryState.PENDING, DeliveryState.RETRYING], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:200]
    )
    attempted = sum(1 for pk in due if delivery_attempt(delivery_id=pk) is not None)
    emails = list(
        OutboxEvent.objects.filter(
            email_state=EmailState.PENDING,
            processed_at__isnull=False,
            email_next_attempt_at__lte=now,
        ).values_list("pk", flat=True)[:200]
    )
    for event_id in emails:
        email_try(event_id=event_id)
    summaries = flapping_summarise(now=now)
    return {"missed": len(missed), "webhooks": attempted, "emails": len(emails),
            "summaries": summaries}  # fmt: skip
