"""Email: to the team's owners and admins by default, or to configured recipients."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from connectors.models import Connection
from connectors.notify.dispatch import notify_sweep, outbox_process
from connectors.notify.models import EmailState, NotificationSettings, OutboxEvent
from portal.models import Team
from tests.notify.conftest import status_changed

pytestmark = pytest.mark.django_db


def test_a_revocation_emails_the_owners_and_admins_with_what_why_and_a_link(
    connection: Connection, admin_user: object
) -> None:
    event = status_changed(connection, "healthy", "revoked", reason="Intercom says: token_revoked")
    outbox_process(event_id=event.pk)  # type: ignore[attr-defined]

    [message] = mail.outbox
    assert sorted(message.to) == ["alice@example.com", "dana.admin@example.com"]  # not bob
    assert "Acme Support is now revoked (was healthy)" in message.subject
    assert "Intercom says: token_revoked" in message.body
    assert "Reconnect" in message.body
    assert f"http://testserver/t/alice-co/connections/{connection.pk}/" in message.body
    event.refresh_from_db()  # type: ignore[attr-defined]
    assert event.email_state == EmailState.SENT  # type: ignore[attr-defined]


def test_recovery_is_announced_so_alerts_close_themselves(connection: Connection) -> None:
    event = status_changed(connection, "revoked", "healthy", reason="Reconnected.")
    outbox_process(event_id=event.pk)  # type: ignore[attr-defined]
    [message] = mail.outbox
    assert "Recovered: Acme Support is healthy again (was revoked)" in message.subject


def test_configured_recipients_replace_the_default(connection: Connection, team: Team) -> None:
    NotificationSettings.objects.create(
        team=team, email_recipients="oncall@example.com\nops@example.com"
    )
    outbox_process(event_id=status_changed(connection, "healthy", "failing").pk)  # type: ignore[attr-defined]
    [message] = mail.outbox
    assert message.to == ["oncall@example.com", "ops@example.com"]


def test_email_can_be_turned_off(connection: Connection, team: Team) -> None:
    NotificationSettings.objects.create(team=team, email_enabled=False)
    event = status_changed(connection, "healthy", "failing")
    outbox_process(event_id=event.pk)  # type: ignore[attr-defined]
    assert mail.outbox == []
    assert OutboxEvent.objects.get().email_state == EmailState.SKIPPED


def test_a_mail_server_failure_is_retried_by_the_sweep(
    connection: Connection, settings: object
) -> None:
    settings.EMAIL_BACKEND = "tests.notify.broken_mail.Backend"  # type: ignore[attr-defined]
    event = status_changed(connection, "healthy", "failing")
    outbox_process(event_id=event.pk)  # type: ignore[attr-defined]
    stored = OutboxEvent.objects.get()
    assert stored.email_state == EmailState.PENDING
    assert "mail server" in stored.email_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]
    OutboxEvent.objects.update(email_next_attempt_at=timezone.now() - timedelta(seconds=1))
    notify_sweep()
    assert len(mail.outbox) == 1
    assert OutboxEvent.objects.get().email_state == EmailState.SENT
