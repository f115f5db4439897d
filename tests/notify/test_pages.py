"""The team's notification pages: email settings, endpoints, test event, delivery log."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from connectors.notify.models import NotificationSettings, WebhookEndpoint
from portal.models import AuditEvent, Team
from tests.notify.conftest import TaskQueue
from tests.notify.receiver import Receiver

pytestmark = pytest.mark.django_db
BASE = "/t/alice-co/notifications/"


def test_an_owner_sets_email_recipients(team: Team, alice_client: Client) -> None:
    response = alice_client.post(
        BASE, {"email_enabled": "on", "recipients": "oncall@example.com\nops@example.com"}
    )
    assert response.status_code == 302
    prefs = NotificationSettings.objects.get(team=team)
    assert prefs.email_recipients.splitlines() == ["oncall@example.com", "ops@example.com"]
    assert AuditEvent.objects.filter(action="notifications.updated").exists()


def test_a_bad_recipient_is_named_and_nothing_is_saved(team: Team, alice_client: Client) -> None:
    response = alice_client.post(BASE, {"email_enabled": "on", "recipients": "not-an-address"})
    assert response.status_code == 200
    assert b"not-an-address" in response.content
    assert not NotificationSettings.objects.exists()


def test_a_member_may_not_manage_notifications(team: Team, bob_client: Client) -> None:
    assert bob_client.get(BASE).status_code == 403


def test_adding_an_endpoint_shows_its_secret_once_and_stores_it_encrypted(
    team: Team, alice_client: Client, receiver: Receiver
) -> None:
    response = alice_client.post(BASE + "webhooks/new/", {"url": receiver.url})
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    secret = endpoint.signing_secret.reveal()
    assert secret.encode() in response.content
    assert secret not in str(WebhookEndpoint.objects.values_list("signing_secret", flat=True))
    edit = alice_client.get(BASE + f"webhooks/{endpoint.pk}/")
    assert secret.encode() not in edit.content


def test_send_test_event_delivers_and_shows_in_the_log(
    team: Team,
    alice_client: Client,
    endpoint: WebhookEndpoint,
    receiver: Receiver,
    task_queue: TaskQueue,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(BASE + f"webhooks/{endpoint.pk}/test/", follow=True)
    assert b"Test event queued" in response.content
    task_queue.run_all()
    assert len(receiver.requests) == 1
    page = alice_client.get(BASE + f"webhooks/{endpoint.pk}/")
    assert b"portal.test" in page.content  # the endpoint's delivery log
    log = alice_client.get(BASE + "log/")
    assert b"portal.test" in log.content


def test_send_test_event_to_a_failing_receiver_says_so_in_the_log(
    team: Team,
    alice_client: Client,
    endpoint: WebhookEndpoint,
    receiver: Receiver,
    task_queue: TaskQueue,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.answer(500)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(BASE + f"webhooks/{endpoint.pk}/test/")
    task_queue.run_all()
    page = alice_client.get(BASE + f"webhooks/{endpoint.pk}/")
    assert b"The receiver answered HTTP 500." in page.content


def test_a_private_url_is_refused_when_saved_in_production(
    team: Team, alice_client: Client, settings: object
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False  # type: ignore[attr-defined]
    response = alice_client.post(BASE + "webhooks/new/", {"url": "https://127.0.0.1:9000/hook"})
    assert response.status_code == 200
    assert b"webhooks must go to a public address" in response.content
    assert not WebhookEndpoint.objects.exists()


def test_disabling_and_enabling_an_endpoint(
    team: Team, alice_client: Client, endpoint: WebhookEndpoint
) -> None:
    url = BASE + f"webhooks/{endpoint.pk}/"
    alice_client.post(url, {"url": endpoint.url})
    endpoint.refresh_from_db()
    assert endpoint.enabled is False
    WebhookEndpoint.objects.update(consecutive_failures=7)
    alice_client.post(url, {"url": endpoint.url, "enabled": "on"})
    endpoint.refresh_from_db()
    assert endpoint.enabled is True
    assert endpoint.consecutive_failures == 0


def test_deleting_an_endpoint(team: Team, alice_client: Client, endpoint: WebhookEndpoint) -> None:
    response = alice_client.post(BASE + f"webhooks/{endpoint.pk}/delete/")
    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists()
