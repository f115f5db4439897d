"""Webhooks: signed, delivered once, retried on 5xx, disabled after permanent failures."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from connectors.models import Connection
from connectors.notify.dispatch import notify_sweep, outbox_process
from connectors.notify.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from connectors.notify.webhooks import DISABLE_AFTER_PERMANENT, retry_delay
from tests.notify.conftest import status_changed
from tests.notify.receiver import Receiver

pytestmark = pytest.mark.django_db


def _revoked(connection: Connection) -> int:
    event = status_changed(connection, "healthy", "revoked", reason="Intercom says: token_revoked")
    return event.pk  # type: ignore[attr-defined]


def _make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_the_receiver_verifies_the_signature_of_a_delivery(
    connection: Connection, endpoint: WebhookEndpoint, receiver: Receiver, signing_secret: str
) -> None:
    outbox_process(event_id=_revoked(connection))

    [request] = receiver.requests
    payload = Webhook(signing_secret).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "d3Jvbmc=").verify(request.body, request.headers)
    assert payload == json.loads(request.body)
    assert payload["type"] == "connection.status_changed"
    assert payload["data"]["from"] == "healthy"
    assert payload["data"]["to"] == "revoked"
    assert payload["connection"]["workspace_name"] == "Acme Support"
    delivery = WebhookDelivery.objects.get()
    assert request.headers["webhook-id"] == str(delivery.delivery_id)
    assert delivery.state == DeliveryState.SUCCEEDED
    assert delivery.status_code == 200
    assert delivery.duration_ms is not None
    assert "received" in delivery.excerpt


def test_one_event_gives_one_delivery_even_if_processed_twice(
    connection: Connection, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    event_id = _revoked(connection)
    assert outbox_process(event_id=event_id) is True
    assert outbox_process(event_id=event_id) is False
    notify_sweep()

    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.count() == 1


def test_an_event_is_enqueued_only_when_its_transaction_commits(
    connection: Connection, endpoint: WebhookEndpoint, django_capture_on_commit_callbacks: object
) -> None:
    capture = django_capture_on_commit_callbacks
    with capture() as callbacks, transaction.atomic():  # type: ignore[operator]
        _revoked(connection)
    assert len(callbacks) == 1
    with capture() as callbacks, pytest.raises(RuntimeError):  # type: ignore[operator]
        _revoked_then_fail(connection)
    assert callbacks == []


def _revoked_then_fail(connection: Connection) -> None:
    with transaction.atomic():
        _revoked(connection)
        raise RuntimeError("the change failed")


def test_a_500_is_retried_with_the_same_delivery_id(
    connection: Connection, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    receiver.answer(500, 200)
    outbox_process(event_id=_revoked(connection))
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.status_code == 500
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at > timezone.now()

    notify_sweep()  # not due yet: nothing is sent
    assert len(receiver.requests) == 1

    _make_due(delivery)
    notify_sweep()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED
    assert delivery.attempts == 2
    assert [r.headers["webhook-id"] for r in receiver.requests] == [str(delivery.delivery_id)] * 2


def test_retries_back_off_exponentially_with_jitter() -> None:
    delays = [retry_delay(n).total_seconds() for n in range(1, 12)]
    assert 24 <= delays[0] <= 36
    assert delays[3] > delays[2] > delays[1] > delays[0]
    assert max(delays) <= 6 * 3600 * 1.2


def test_after_24_hours_of_failures_the_delivery_gives_up(
    connection: Connection, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    receiver.answer(503)
    outbox_process(event_id=_revoked(connection))
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    _make_due(delivery)
    notify_sweep()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert "24 hours" in delivery.error


def test_repeated_permanent_failures_disable_the_endpoint_and_email_the_admins(
    connection: Connection, endpoint: WebhookEndpoint, receiver: Receiver, admin_user: object
) -> None:
    receiver.answer(410)
    for n in range(DISABLE_AFTER_PERMANENT):
        outbox_process(event_id=_revoked_at(connection, n))

    endpoint.refresh_from_db()
    assert endpoint.enabled is False
    assert "HTTP 410" in endpoint.disabled_reason
    assert WebhookDelivery.objects.filter(state=DeliveryState.FAILED).count() == 3
    disabled = [m for m in mail.outbox if "Webhook endpoint disabled" in m.subject]
    assert len(disabled) == 1
    assert sorted(disabled[0].to) == ["alice@example.com", "dana.admin@example.com"]
    assert receiver.url in disabled[0].body

    outbox_process(event_id=_revoked_at(connection, 99))
    assert len(receiver.requests) == DISABLE_AFTER_PERMANENT  # nothing more is sent


def _revoked_at(connection: Connection, n: int) -> int:
    at = timezone.now() - timedelta(hours=2 + n)  # spread out: no flapping control
    event = status_changed(connection, "healthy", "revoked", at=at, reason=f"revoked #{n}")
    return event.pk  # type: ignore[attr-defined]


def test_the_event_filter_limits_what_an_endpoint_receives(
    connection: Connection, endpoint: WebhookEndpoint, receiver: Receiver
) -> None:
    endpoint.event_types = ["connection.disconnected"]
    endpoint.save()
    outbox_process(event_id=_revoked(connection))
    assert receiver.requests == []
    assert WebhookDelivery.objects.count() == 0


def test_a_private_address_is_refused_at_send_time_in_production(
    connection: Connection, endpoint: WebhookEndpoint, receiver: Receiver, settings: object
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False  # type: ignore[attr-defined]
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        url=receiver.url.replace("http://", "https://")
    )
    outbox_process(event_id=_revoked(connection))

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert "private, loopback, link-local or reserved" in delivery.error
