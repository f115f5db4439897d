"""Real changes write the outbox: the engine over the sandbox, connect, and disconnect."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.core import mail

from connectors.notify.dispatch import notify_sweep, outbox_process
from connectors.notify.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from connectors.services.connections import connection_add_by_token, connection_disconnect
from portal.secrets import Secret
from tests.engine.conftest import Linked, linked, sandbox_at, sweep  # noqa: F401 - fixtures
from tests.notify.receiver import Receiver
from tests.sandbox.conftest import sandbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _send_all() -> None:
    for event_id in OutboxEvent.objects.filter(processed_at__isnull=True).values_list(
        "pk", flat=True
    ):
        outbox_process(event_id=event_id)
    notify_sweep()


def test_revoking_a_sandbox_workspace_gives_one_email_and_one_webhook_and_recovery_a_pair(
    linked: Linked,  # noqa: F811
    sweep: Callable[..., object],  # noqa: F811
    endpoint: WebhookEndpoint,
    receiver: Receiver,
) -> None:
    sweep()  # pending -> healthy: the first check is not announced on its own
    assert OutboxEvent.objects.count() == 0

    linked.sandbox.control("workspaces/acme0us1", {"mode": "revoked"})
    sweep()
    assert linked.reload().status == "revoked"
    [event] = OutboxEvent.objects.all()
    assert (event.event_type, event.data["from"], event.data["to"]) == (
        "connection.status_changed", "healthy", "revoked",
    )  # fmt: skip
    _send_all()
    assert len(mail.outbox) == 1
    assert "Acme Support is now revoked" in mail.outbox[0].subject
    assert len(receiver.requests) == 1

    fresh = linked.sandbox.connect(linked.sandbox_app)
    connection_add_by_token(
        team=linked.connection.team, app=linked.app, token=Secret(fresh["access_token"]),
        actor=None, request=None,
    )  # fmt: skip
    _send_all()
    assert linked.reload().status == "healthy"
    assert len(mail.outbox) == 2
    assert "Recovered: Acme Support was reconnected and is healthy" in mail.outbox[1].subject
    assert len(receiver.requests) == 2
    assert json.loads(receiver.requests[1].body)["type"] == "connection.reconnected"
    assert WebhookDelivery.objects.filter(state="succeeded").count() == 2


def test_disconnecting_writes_one_disconnected_event(
    linked: Linked,  # noqa: F811
    sweep: Callable[..., object],  # noqa: F811
) -> None:
    sweep()
    connection_disconnect(connection=linked.connection, actor=None, request=None)
    assert list(OutboxEvent.objects.values_list("event_type", flat=True)) == [
        "connection.disconnected"
    ]
