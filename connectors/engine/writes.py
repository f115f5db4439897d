"""Writing a batch's results with a constant number of queries, respecting leases."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection as db
from django.db import transaction

from connectors.engine.decide import CHECK_FIELDS
from connectors.health.outcomes import Status
from connectors.models import Check, Connection, Transition


def results_write(
    *,
    connections: Sequence[Connection],
    checks: Sequence[Check],
    transitions: Sequence[Transition],
    lease_token: str | None,
    extra_fields: Sequence[str] = (),
) -> set[int]:
    """Save rows still held under `lease_token` (None: no lease to respect); answer their ids.

    Four queries whatever the batch size: lock the held rows, one bulk UPDATE, and one
    INSERT each for checks and transitions. A row whose lease went to another claimant,
    or that was disconnected meanwhile, is left as the other party wrote it.
    """
    if not connections:
        return set()
    with transaction.atomic():
        held_rows = Connection.objects.filter(pk__in=[c.pk for c in connections]).exclude(
            status=Status.DISCONNECTED
        )
        if lease_token is not None:
            held_rows = held_rows.filter(lease_token=lease_token)
        if db.vendor == "postgresql":
            held_rows = held_rows.select_for_update()
        held = set(held_rows.values_list("pk", flat=True))
        kept = [c for c in connections if c.pk in held]
        if kept:
            fields = [*CHECK_FIELDS, *extra_fields]
            Connection.objects.bulk_update(kept, fields, batch_size=len(kept))
        kept_checks = [c for c in checks if c.connection_id in held]
        if kept_checks:
            Check.objects.bulk_create(kept_checks, batch_size=len(kept_checks))
        kept_transitions = [t for t in transitions if t.connection_id in held]
        if kept_transitions:
            Transition.objects.bulk_create(kept_transitions, batch_size=len(kept_transitions))
    return held
