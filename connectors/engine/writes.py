"""Writing a batch's results with a constant number of queries, respecting leases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection as db
from django.db import transaction
from django.db.models import Field

from connectors.engine.decide import CHECK_FIELDS
from connectors.health.outcomes import Status
from connectors.models import Check, Connection, Transition
from connectors.notify.outbox import notify_transition


def results_write(
    *,
    connections: Sequence[Connection],
    checks: Sequence[Check],
    transitions: Sequence[Transition],
    lease_token: str | None,
    extra_fields: Sequence[str] = (),
) -> set[int]:
    """Save rows still held under `lease_token` (None: no lease to respect); answer their ids.

    Four queries whatever the batch size: lock the held rows, one UPDATE for all of them
    (`rows_update`), and one INSERT each for checks and transitions. A row whose lease
    went to another claimant, or that was disconnected meanwhile, is left as the other
    party wrote it.
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
            rows_update(rows=kept, fields=fields)
        kept_checks = [c for c in checks if c.connection_id in held]
        if kept_checks:
            Check.objects.bulk_create(kept_checks, batch_size=len(kept_checks))
        kept_transitions = [t for t in transitions if t.connection_id in held]
        if kept_transitions:
            Transition.objects.bulk_create(kept_transitions, batch_size=len(kept_transitions))
            by_id = {c.pk: c for c in kept}
            for t in kept_transitions:  # the outbox row commits with the transition
                notify_transition(connection=by_id[t.connection_id], from_status=t.from_status,
                                  to_status=t.to_status, reason=t.reason, at=t.at)  # fmt: skip
    return held


def rows_update(*, rows: Sequence[Connection], fields: Sequence[str]) -> None:
    """Write `fields` of every row in one statement.

    `bulk_update` builds a CASE WHEN per field per row: at a few hundred rows that cost
    more CPU than the probes. Postgres gets one `UPDATE ... FROM unnest(arrays)` whose
    text is the same for any batch size; SQLite, in process, gets one executemany.
    """
    if not rows:
        return
    meta = Connection._meta
    model_fields: list[Field[Any, Any]] = []
    for name in fields:
        field = meta.get_field(name)
        assert isinstance(field, Field), f"{name} is not a concrete column"
        model_fields.append(field)
    pk_field = meta.pk
    assert pk_field is not None
    quote = db.ops.quote_name
    table = quote(meta.db_table)
    pk_column = quote(str(pk_field.column))
    columns = [quote(str(f.column)) for f in model_fields]
    values: list[list[Any]] = [
        [f.get_db_prep_save(getattr(row, f.attname), db) for f in model_fields] for row in rows
    ]
    # Only identifiers from the model's own metadata are formatted into the SQL text;
    # every value travels as a parameter.
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            arrays = [[row.pk for row in rows], *map(list, zip(*values, strict=True))]
            types = [pk_field.db_type(db), *(f.db_type(db) for f in model_fields)]
            unnest = ", ".join(f"%s::{t}[]" for t in types)
            aliases = ", ".join(["_pk", *(f"_{i}" for i in range(len(columns)))])
            assign = ", ".join(f"{c} = v._{i}" for i, c in enumerate(columns))
            sql = f"UPDATE {table} SET {assign} FROM unnest({unnest}) AS v({aliases}) "  # noqa: S608
            cursor.execute(sql + f"WHERE {table}.{pk_column} = v._pk", arrays)
        else:
            assign = ", ".join(f"{c} = %s" for c in columns)
            cursor.executemany(
                f"UPDATE {table} SET {assign} WHERE {pk_column} = %s",  # noqa: S608
                [[*row_values, row.pk] for row_values, row in zip(values, rows, strict=True)],
            )
