"""Sending one webhook delivery: sign, POST through connectors.http, log, retry or give up."""

from __future__ import annotations

import json
import logging
import random
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from connectors.http import Timeout, http_request
from connectors.notify.emails import endpoint_disabled_email_send
from connectors.notify.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from connectors.notify.outbox import event_payload
from connectors.notify.signing import EVENT_HEADER, signed_headers
from connectors.notify.ssrf import webhook_target

logger = logging.getLogger("connectors.notify")

WEBHOOK_TIMEOUT = Timeout(connect=5, read=10, total=15)
RETRY_FOR = timedelta(hours=24)
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 6 * 3600
LEASE = timedelta(minutes=2)
# The delivery log shows this much of an answer: enough to recognise it, too little to
# carry what a receiver (or whatever answers in its place) might leak.
EXCERPT_CHARS = 80
# An endpoint is disabled after this many permanent failures in a row (4xx: it says no)...
DISABLE_AFTER_PERMANENT = 3
# ...or this many failed attempts in a row of any kind.
DISABLE_AFTER_FAILURES = 25


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with ±20 % jitter: 30 s, 1 min, 2 min ... capped at 6 h."""
    base = min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def is_permanent(status: int | None) -> bool:
    """A 4xx says the receiver will not take it however often we try (except 408 and 429)."""
    return status is not None and 400 <= status < 500 and status not in {408, 429}


def answer_excerpt(text: str) -> str:
    """What the log keeps of a receiver's answer: one short line (already redacted)."""
    line = "".join(c for c in " ".join(text.split()) if c.isprintable())
    return line if len(line) <= EXCERPT_CHARS else line[: EXCERPT_CHARS - 1] + "…"


def payload_bytes(delivery: WebhookDelivery) -> bytes:
    return json.dumps(event_payload(delivery.event), separators=(",", ":"), sort_keys=True).encode()


def delivery_claim(*, delivery_id: int, now: datetime) -> bool:
    """Take the delivery for one attempt; False if someone else holds it or it is done."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id, state__in=[DeliveryState.PENDING, DeliveryState.RETRYING]
        )
        .filter(due, free)
        .update(claimed_until=now + LEASE)
    )


def delivery_attempt(*, delivery_id: int, force: bool = False) -> WebhookDelivery | None:
    """One attempt at one delivery, if it is due (or `force`); answers the updated row."""
    now = timezone.now()
    if not force and not delivery_claim(delivery_id=delivery_id, now=now):
        return None
    delivery = WebhookDelivery.objects.select_related(
        "endpoint", "event", "event__team", "event__connection"
    ).get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        return _finish(delivery, now, state=DeliveryState.FAILED, error="The endpoint is disabled.")
    target = webhook_target(endpoint.url)
    if target.refusal is not None:
        return _record_failure(delivery, now, status=None, excerpt="", duration=None,
                               error=f"Not sent: {target.refusal}", permanent=True)  # fmt: skip
    body = payload_bytes(delivery)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        EVENT_HEADER: delivery.event.event_type,
        **signed_headers(
            secret=endpoint.signing_secret.reveal(), message_id=str(delivery.delivery_id),
            timestamp=timestamp, body=body,
        ),
    }  # fmt: skip
    result = http_request(
        "POST", endpoint.url, headers=headers, content=body, timeout=WEBHOOK_TIMEOUT,
        retry_safe=True, purpose="webhooks", max_body_bytes=64 * 1024,
        connect_to=target.address,
    )  # fmt: skip
    excerpt = answer_excerpt(result.text_excerpt)
    # A receiver's body is not ours to judge: any 2xx is a delivery, even if not JSON.
    answered = result.status is not None and result.error_kind in {
        None,
        "invalid_json",
        "too_large",
    }
    if answered and result.status is not None and 200 <= result.status < 300:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        return _finish(delivery, now, state=DeliveryState.SUCCEEDED, status=result.status,
                       duration=result.elapsed_ms, excerpt=excerpt, error="")  # fmt: skip
    if answered:
        error = f"The receiver answered HTTP {result.status}."
    else:
        error = f"No answer: {result.error_detail or result.error_kind}"[:300]
    return _record_failure(delivery, now, status=result.status, excerpt=excerpt,
                           duration=result.elapsed_ms, error=error,
                           permanent=answered and is_permanent(result.status))  # fmt: skip


def _finish(
    delivery: WebhookDelivery,
    now: datetime,
    *,
    state: str,
    error: str,
    status: int | None = None,
    duration: int | None = None,
    excerpt: str = "",
    next_at: datetime | None = None,
) -> WebhookDelivery:
    # One UPDATE writes the whole outcome of the attempt.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=state, attempts=F("attempts") + 1, status_code=status, duration_ms=duration,
        excerpt=excerpt, error=error[:300], last_attempt_at=now, next_attempt_at=next_at,
        claimed_until=None,
    )  # fmt: skip
    delivery.refresh_from_db()
    return delivery


def _record_failure(
    delivery: WebhookDelivery,
    now: datetime,
    *,
    status: int | None,
    excerpt: str,
    duration: int | None,
    error: str,
    permanent: bool,
) -> WebhookDelivery:
    give_up = permanent or now - delivery.created_at >= RETRY_FOR
    next_at = None if give_up else now + retry_delay(delivery.attempts + 1)
    state = DeliveryState.FAILED if give_up else DeliveryState.RETRYING
    if give_up and not permanent:
        error = f"{error} Gave up after retrying for 24 hours."
    result = _finish(delivery, now, state=state, status=status, duration=duration,
                     excerpt=excerpt, error=error, next_at=next_at)  # fmt: skip
    _endpoint_failed(delivery.endpoint_id, permanent=permanent, error=error, now=now)
    return result


def _endpoint_failed(endpoint_id: int, *, permanent: bool, error: str, now: datetime) -> None:
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        endpoint = WebhookEndpoint.objects.select_related("team").get(pk=endpoint_id)
        limit = DISABLE_AFTER_PERMANENT if permanent else DISABLE_AFTER_FAILURES
        if not endpoint.enabled or endpoint.consecutive_failures < limit:
            return
        reason = (f"{endpoint.consecutive_failures} deliveries in a row failed; the last: {error}")[
            :300
        ]
        # Conditional: of two workers failing at once, only one disables and emails.
        if not WebhookEndpoint.objects.filter(pk=endpoint_id, enabled=True).update(
            enabled=False, disabled_reason=reason, disabled_at=now
        ):
            return
        WebhookDelivery.objects.filter(
            endpoint_id=endpoint_id, state__in=[DeliveryState.PENDING, DeliveryState.RETRYING]
        ).update(state=DeliveryState.FAILED, error="Not sent: the endpoint was disabled.",
                 next_attempt_at=None)  # fmt: skip
        endpoint.disabled_reason = reason
    logger.warning("notify: webhook endpoint %s disabled: %s", endpoint_id, reason)
    try:
        endpoint_disabled_email_send(endpoint=endpoint)
    except Exception:
        logger.exception("notify: could not email admins about disabled endpoint %s", endpoint_id)
