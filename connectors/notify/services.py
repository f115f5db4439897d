"""Writes of the team's notification setup: email recipients and webhook endpoints."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from connectors.notify.models import (
    DeliveryState,
    EmailState,
    EventType,
    NotificationSettings,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from connectors.notify.outbox import delivery_enqueue
from connectors.notify.signing import signing_secret_new
from portal.models import Team
from portal.ratelimit import hit
from portal.secrets import Secret
from portal.services.audit import audit_log


def notification_settings_update(
    *,
    team: Team,
    email_enabled: bool,
    recipients: list[str],
    actor: Any,
    request: HttpRequest | None,
) -> NotificationSettings:
    with transaction.atomic():
        prefs, _ = NotificationSettings.objects.get_or_create(team=team)
        prefs.email_enabled = email_enabled
        prefs.email_recipients = "\n".join(recipients)
        prefs.save()
        audit_log(
            team=team, actor=actor, action="notifications.updated", request=request,
            details={"email_enabled": email_enabled, "recipients": len(recipients)},
        )  # fmt: skip
    return prefs


def endpoint_create(
    *,
    team: Team,
    url: str,
    description: str,
    event_types: list[str],
    actor: Any,
    request: HttpRequest | None,
) -> tuple[WebhookEndpoint, Secret]:
    """Create an endpoint; answers it with its signing secret, to show exactly once."""
    secret = Secret(signing_secret_new())
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            team=team, url=url, description=description, event_types=event_types,
            signing_secret=secret,  # type: ignore[misc]
            created_by=actor if getattr(actor, "pk", None) else None,
        )  # fmt: skip
        audit_log(
            team=team, actor=actor, action="webhook.created", target=endpoint, request=request,
            details={"url": url, "events": event_types or "all"},
        )  # fmt: skip
    return endpoint, secret


def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str,
    description: str,
    event_types: list[str],
    enabled: bool,
    actor: Any,
    request: HttpRequest | None,
) -> WebhookEndpoint:
    with transaction.atomic():
        endpoint.url = url
        endpoint.description = description
        endpoint.event_types = event_types
        if enabled and not endpoint.enabled:
            # Enabling again starts a fresh count: the team says the receiver is fixed.
            endpoint.consecutive_failures = 0
            endpoint.disabled_reason = ""
            endpoint.disabled_at = None
        elif not enabled and endpoint.enabled:
            endpoint.disabled_reason = "Disabled by " + (getattr(actor, "email", "") or "the team")
            endpoint.disabled_at = timezone.now()
        endpoint.enabled = enabled
        endpoint.save()
        audit_log(
            team=endpoint.team, actor=actor, action="webhook.updated", target=endpoint,
            request=request, details={"url": url, "enabled": enabled},
        )  # fmt: skip
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint, actor: Any, request: HttpRequest | None) -> None:
    with transaction.atomic():
        audit_log(
            team=endpoint.team, actor=actor, action="webhook.deleted", target=endpoint,
            request=request, details={"url": endpoint.url},
        )  # fmt: skip
        endpoint.delete()


# Test sends a team may ask for per minute: each is a request to a receiver that may be
# slow, made by a worker rather than by the web process.
TEST_SENDS_PER_MINUTE = 5


class TestSendLimited(Exception):
    def __init__(self, wait_seconds: int) -> None:
        super().__init__(f"too many test sends; wait {wait_seconds} s")
        self.wait_seconds = wait_seconds


def endpoint_send_test(*, endpoint: WebhookEndpoint, actor: Any) -> WebhookDelivery:
    """Queue a test event to this one endpoint; answers the pending delivery.

    Raises TestSendLimited past the team's per-minute limit.
    """
    window = hit(f"notify-test:{endpoint.team_id}", window_seconds=60)
    if window.count > TEST_SENDS_PER_MINUTE:
        raise TestSendLimited(window.retry_after)
    now = timezone.now()
    with transaction.atomic():
        event = OutboxEvent.objects.create(
            team=endpoint.team, connection=None, event_type=EventType.TEST,
            data={"message": "This is a test event from the portal.",
                  "sent_by": getattr(actor, "email", "")},
            occurred_at=now, processed_at=now, email_state=EmailState.SKIPPED,
        )  # fmt: skip
        delivery = WebhookDelivery.objects.create(
            event=event, endpoint=endpoint, next_attempt_at=now, state=DeliveryState.PENDING
        )
        delivery_id = delivery.pk
        transaction.on_commit(lambda: delivery_enqueue(delivery_id=delivery_id))
    return delivery
