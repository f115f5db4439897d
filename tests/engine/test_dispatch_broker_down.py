"""A dispatch that cannot reach the broker gives its leases back at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.engine.dispatch import due_checks_dispatch
from connectors.models import Connection
from tests.connectors.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def test_leases_are_released_when_the_broker_refuses_the_batch() -> None:
    due = timezone.now() - timedelta(minutes=1)
    ids = sorted(ConnectionFactory(next_check_at=due).pk for _ in range(3))

    def broker_down(batch: list[int], lease_token: str) -> None:
        raise ConnectionError("broker unreachable")

    with pytest.raises(ConnectionError):
        due_checks_dispatch(enqueue=broker_down)

    assert not Connection.objects.filter(pk__in=ids, claimed_until__isnull=False).exists()

    handed_out: list[int] = []
    due_checks_dispatch(enqueue=lambda batch, token: handed_out.extend(batch))
    assert sorted(handed_out) == ids
