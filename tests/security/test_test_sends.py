"""'Send test event' is queued for a worker, with a per-team limit: the web request
never waits for a receiver (24 slow test sends once held /healthz up for 6-7 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from connectors.notify.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from portal.models import Team
from portal.secrets import Secret
from tests.notify.conftest import TaskQueue, task_queue  # noqa: F401 (fixture)
from tests.notify.receiver import Receiver, run_receiver

pytestmark = pytest.mark.django_db
PER_MINUTE = 5  # the README: at most 5 test events a minute per team


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.WEBHOOK_ALLOW_PRIVATE = True
    yield from run_receiver()


def _endpoint(team: Team, receiver: Receiver) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        team=team, url=receiver.url, signing_secret=Secret("whsec_dGVzdC1zZW5kcw==")
    )


def _send(client: Client, team: Team, endpoint: WebhookEndpoint, capture: Any) -> str:
    with capture(execute=True):
        page = client.post(
            f"/t/{team.slug}/notifications/webhooks/{endpoint.pk}/test/", follow=True
        )
    return str(page.content.decode())


def test_the_request_only_queues_and_a_worker_delivers(
    team: Team,
    alice_client: Client,
    receiver: Receiver,
    task_queue: TaskQueue,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    endpoint = _endpoint(team, receiver)
    page = _send(alice_client, team, endpoint, django_capture_on_commit_callbacks)

    assert "Test event queued" in page
    assert receiver.requests == [], "the web request itself called the receiver"
    assert task_queue.names() == ["notify.attempt_delivery"]
    task_queue.run_all()
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().state == DeliveryState.SUCCEEDED


def test_test_sends_are_limited_per_team(
    team: Team,
    alice_client: Client,
    receiver: Receiver,
    task_queue: TaskQueue,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    first, second = _endpoint(team, receiver), _endpoint(team, receiver)
    for i in range(PER_MINUTE):
        endpoint = first if i % 2 else second
        assert "Test event queued" in _send(
            alice_client, team, endpoint, django_capture_on_commit_callbacks
        )
    page = _send(alice_client, team, first, django_capture_on_commit_callbacks)
    assert f"At most {PER_MINUTE} test events a minute" in page
    assert WebhookDelivery.objects.count() == PER_MINUTE
    assert len(task_queue.sent) == PER_MINUTE


def test_a_test_send_with_the_broker_down_is_sent_by_the_sweep(
    team: Team,
    alice_client: Client,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from connectors.notify.dispatch import notify_sweep
    from portal.celery import app

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(app, "send_task", broker_down)
    endpoint = _endpoint(team, receiver)
    assert "Test event queued" in _send(
        alice_client, team, endpoint, django_capture_on_commit_callbacks
    )
    notify_sweep()
    assert len(receiver.requests) == 1
