"""A flapping connection cannot flood anyone: past the hourly limit, changes collapse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from connectors.models import Connection
from connectors.notify.dispatch import flapping_summarise, outbox_process
from connectors.notify.models import EventType, OutboxEvent
from connectors.notify.outbox import FLAP_LIMIT, FLAP_QUIET
from tests.notify.conftest import status_changed

pytestmark = pytest.mark.django_db


def test_changes_past_the_limit_are_collapsed_then_summarised_once(
    connection: Connection,
) -> None:
    start = timezone.now() - timedelta(minutes=30)
    for n in range(FLAP_LIMIT + 6):
        old, new = ("healthy", "failing") if n % 2 == 0 else ("failing", "healthy")
        event = status_changed(connection, old, new, at=start + timedelta(seconds=n))
        if not event.collapsed:  # type: ignore[attr-defined]
            outbox_process(event_id=event.pk)  # type: ignore[attr-defined]
    assert len(mail.outbox) == FLAP_LIMIT
    assert OutboxEvent.objects.filter(collapsed=True).count() == 6

    # Still flapping (recent): no summary yet.
    assert flapping_summarise(now=start + timedelta(minutes=1)) == 0
    assert flapping_summarise(now=start + FLAP_QUIET + timedelta(minutes=1)) == 1
    assert flapping_summarise(now=start + FLAP_QUIET + timedelta(minutes=2)) == 0

    summary = OutboxEvent.objects.get(event_type=EventType.STATUS_SUMMARY)
    assert summary.data["count"] == 6
    outbox_process(event_id=summary.pk)
    assert len(mail.outbox) == FLAP_LIMIT + 1
    assert "changed status 6 times" in mail.outbox[-1].subject


def test_the_same_change_written_twice_is_one_event(connection: Connection) -> None:
    at = timezone.now()
    first = status_changed(connection, "healthy", "revoked", at=at, reason="401")
    second = status_changed(connection, "healthy", "revoked", at=at, reason="401")
    assert first == second
    assert OutboxEvent.objects.count() == 1
