"""The connection tally: fleet-wide counts kept by database triggers.

Per (team, status, provider, region) key, how many connections there are. Triggers
installed by migration 0004 keep the count in step with every write to the connections
table, inside the writer's own transaction, so it is never stale and no code path can
forget it. On Postgres they append deltas (`ConnectionTallyDelta`), which
`tally_compact` folds into `ConnectionTally` every minute; a reader sums both in one
statement, so it sees one consistent snapshot. This module reads the counts, checks
them against a real count, rebuilds them (after a restore that bypassed the triggers,
say) and compacts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, QuerySet

from connectors.models import Connection, ConnectionTally, ConnectionTallyDelta

Key = tuple[int, str, str, str]  # team_id, status, provider, region
FIELDS = ("team_id", "status", "provider", "region")
COMPACT_LOCK = 7_141_001  # advisory lock: one compaction at a time


@dataclass(frozen=True)
class Drift:
    key: Key
    tallied: int
    counted: int


# Base counts and pending deltas, read together in one statement (one snapshot).
SOURCE = (
    "(SELECT team_id, status, provider, region, n FROM connectors_connectiontally "
    "UNION ALL SELECT team_id, status, provider, region, n "
    "FROM connectors_connectiontallydelta) AS tally"
)


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def tally_counts() -> dict[Key, int]:
    """Every non-zero count, by key."""
    rows = _fetch(
        f"SELECT team_id, status, provider, region, SUM(n) FROM {SOURCE} "  # noqa: S608
        "GROUP BY team_id, status, provider, region HAVING SUM(n) <> 0",
        [],
    )
    return {(team, status, provider, region): int(n) for team, status, provider, region, n in rows}


def fleet_counts() -> list[tuple[str, str, str, int]]:
    """(status, provider, region, connections) over the whole fleet, zeros left out."""
    rows = _fetch(
        f"SELECT status, provider, region, SUM(n) FROM {SOURCE} "  # noqa: S608
        "GROUP BY status, provider, region HAVING SUM(n) <> 0",
        [],
    )
    return [(status, provider, region, int(n)) for status, provider, region, n in rows]


def team_counts(
    *, teams: QuerySet[Any] | None, failing: str, revoked: str, limit: int, offset: int
) -> list[dict[str, int]]:
    """Per team: connections, failing and revoked; worst first, a page of them.

    `teams`, when given, is a queryset of team ids (`.values("id")`) to keep.
    """
    where, params = "", [failing, revoked]
    if teams is not None:
        subquery, sub_params = teams.query.sql_with_params()
        where, params = f"WHERE team_id IN ({subquery})", [*params, *sub_params]
    rows = _fetch(
        "SELECT team_id, SUM(n) AS connections, "  # noqa: S608 - the SQL is ours; values are params
        "SUM(CASE WHEN status = %s THEN n ELSE 0 END) AS failing, "
        "SUM(CASE WHEN status = %s THEN n ELSE 0 END) AS revoked "
        f"FROM {SOURCE} {where} GROUP BY team_id HAVING SUM(n) > 0 "
        "ORDER BY failing DESC, revoked DESC, connections DESC, team_id LIMIT %s OFFSET %s",
        [*params, limit, offset],
    )
    return [
        {"team_id": team, "connections": int(n), "failing": int(f), "revoked": int(r)}
        for team, n, f, r in rows
    ]


def counted() -> dict[Key, int]:
    """The same counts from a GROUP BY over every connection (the slow, certain way)."""
    rows = (
        Connection.objects.order_by()
        .values_list(*FIELDS)
        .annotate(n=Count("id"))
    )  # fmt: skip
    return {(team, status, provider, region): n for team, status, provider, region, n in rows}


def tally_drift() -> list[Drift]:
    """Every key where the tally and a real count disagree (empty when all is well)."""
    tallied, real = tally_counts(), counted()
    return [
        Drift(key, tallied.get(key, 0), real.get(key, 0))
        for key in sorted(tallied.keys() | real.keys())
        if tallied.get(key, 0) != real.get(key, 0)
    ]


@transaction.atomic
def tally_rebuild() -> int:
    """Recount from the connections table; returns the number of tally rows written.

    Writers to the connections table wait while this runs (a SHARE lock on Postgres;
    SQLite has one writer anyway), so no change slips between the count and the write.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [COMPACT_LOCK])
            cursor.execute("LOCK TABLE connectors_connection IN SHARE MODE")
    ConnectionTallyDelta.objects.all().delete()
    ConnectionTally.objects.all().delete()
    rows = [
        ConnectionTally(team_id=team, status=status, provider=provider, region=region, n=n)
        for (team, status, provider, region), n in counted().items()
    ]
    ConnectionTally.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


FOLD = """
WITH moved AS (
  DELETE FROM connectors_connectiontallydelta RETURNING team_id, status, provider, region, n
)
INSERT INTO connectors_connectiontally AS t (team_id, status, provider, region, n)
SELECT team_id, status, provider, region, sum(n) FROM moved
GROUP BY team_id, status, provider, region ORDER BY team_id, status, provider, region
ON CONFLICT (team_id, status, provider, region) DO UPDATE SET n = t.n + EXCLUDED.n
"""


@transaction.atomic
def tally_compact() -> dict[str, int]:
    """Fold pending deltas into the counts, then drop counts that fell to zero.

    Only one compaction runs at a time (a transaction-level advisory lock; a second
    one returns at once). The triggers only ever insert deltas, so nothing here waits
    on a writer. Returns how many keys took deltas and how many zero rows were dropped.
    """
    keys = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [COMPACT_LOCK])
            row = cursor.fetchone()
            if not (row and row[0]):
                return {"keys": 0, "zero_rows": 0}
            cursor.execute(FOLD)
            keys = cursor.rowcount
    zero = ConnectionTally.objects.filter(n=0).delete()[0]
    return {"keys": keys, "zero_rows": zero}
