"""Webhooks are signed by the Standard Webhooks specification, the delivery id included.

The test plays the receiver: a real HTTP server on 127.0.0.1 gets a real delivery and
checks it with the official `standardwebhooks` library, as a team's receiver would.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection as db_connection
from django.db.migrations.executor import MigrationExecutor
from standardwebhooks import Webhook, WebhookVerificationError

from connectors.models import Connection
from connectors.notify.dispatch import outbox_process
from connectors.notify.models import WebhookDelivery, WebhookEndpoint
from connectors.notify.services import endpoint_create
from connectors.notify.signing import signed_headers
from portal.models import Team, User
from portal.secrets import Secret
from tests.connectors.factories import AppFactory, ConnectionFactory
from tests.notify.conftest import status_changed
from tests.notify.receiver import Receiver, run_receiver
from tests.support.leaks import register_test_secret

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_receiver(settings: object) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True  # type: ignore[attr-defined]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from run_receiver()


def _deliver(team: Team, receiver: Receiver, secret: str) -> None:
    WebhookEndpoint.objects.create(team=team, url=receiver.url, signing_secret=Secret(secret))
    connection: Connection = ConnectionFactory(app=AppFactory(team=team))
    event = status_changed(connection, "healthy", "revoked")
    outbox_process(event_id=event.pk)  # type: ignore[attr-defined]


def test_a_delivery_verifies_with_the_standard_webhooks_library(
    team: Team, alice: User, receiver: Receiver
) -> None:
    _, secret = endpoint_create(
        team=team, url=receiver.url, description="", event_types=[], actor=alice, request=None
    )
    raw = register_test_secret(secret.reveal())
    assert raw.startswith("whsec_")
    connection: Connection = ConnectionFactory(app=AppFactory(team=team))
    outbox_process(event_id=status_changed(connection, "healthy", "revoked").pk)  # type: ignore[attr-defined]

    [request] = receiver.requests
    payload = Webhook(raw).verify(request.body, request.headers)
    assert payload["type"] == "connection.status_changed"
    assert request.headers["webhook-id"] == str(WebhookDelivery.objects.get().delivery_id)


def test_the_delivery_id_and_time_are_covered_by_the_signature(
    team: Team, receiver: Receiver
) -> None:
    secret = register_test_secret("whsec_" + base64.b64encode(b"k" * 32).decode())
    _deliver(team, receiver, secret)
    [request] = receiver.requests
    Webhook(secret).verify(request.body, request.headers)

    replayed_under_another_id = {**request.headers, "webhook-id": "another-delivery"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body, replayed_under_another_id)
    moved_in_time = {
        **request.headers,
        "webhook-timestamp": str(int(request.headers["webhook-timestamp"]) - 1),
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body, moved_in_time)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body + b" ", request.headers)


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_made_before_the_move_keeps_its_receivers_key(team: Team) -> None:
    # Before: `whsec_` + URL-safe text, used whole as the HMAC key. The receiver kept it.
    legacy = register_test_secret("whsec_" + "Ab-_" * 10 + "xyz")
    executor = MigrationExecutor(db_connection)
    old_state = executor.migrate([("notify", "0001_initial")])
    old_endpoint = old_state.apps.get_model("notify", "WebhookEndpoint")
    old_endpoint.objects.create(
        team_id=team.pk, url="https://hooks.example.com/x", signing_secret=legacy
    )
    executor = MigrationExecutor(db_connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    stored = WebhookEndpoint.objects.get().signing_secret.reveal()
    register_test_secret(stored)
    assert stored.startswith("whsec_")
    headers = signed_headers(secret=stored, message_id="msg_1", timestamp=1_900_000_000, body=b"{}")
    # The receiver's old secret, as raw key bytes, checks the new signature.
    at = datetime.fromtimestamp(1_900_000_000, tz=UTC)
    assert headers["webhook-signature"] == Webhook(legacy.encode()).sign("msg_1", at, "{}")


def test_the_documented_verification_example_accepts_a_real_delivery(
    team: Team, receiver: Receiver
) -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "api-and-webhooks.md").read_text()
    section = guide.split("### Verifying a webhook", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(example, namespace)  # noqa: S102 (the guide's own example, run as a receiver would)
    secret = register_test_secret("whsec_" + base64.b64encode(b"r" * 32).decode())
    _deliver(team, receiver, secret)
    [request] = receiver.requests

    assert namespace["verify"](secret, request.body, request.headers)["type"] == (
        "connection.status_changed"
    )
    assert namespace["verify"](secret, request.body + b"x", request.headers) is None
