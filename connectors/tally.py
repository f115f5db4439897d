"""Connection counts kept by database triggers: the team tally and the fleet tally.

`TeamTally` counts each team's connections by status; `FleetTally` counts the fleet's
by status, provider and region. Triggers installed by migration 0004 keep both in step
with every write to the connections table, inside the writer's own transaction, so
they are never stale and no code path can forget them. On Postgres the triggers append
deltas, which `tally_compact` folds in every minute; a reader sums counts and deltas in
one statement, so it sees one consistent snapshot. This module reads the tallies,
checks them against a real count, rebuilds them (after a restore that bypassed the
triggers, say) and compacts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Model, QuerySet

from connectors.models import Connection, FleetTally, FleetTallyDelta, TeamTally, TeamTallyDelta

COMPACT_LOCK = 7_141_001  # advisory lock: one compaction (or rebuild) at a time


@dataclass(frozen=True)
class Tally:
    """One tally: its counts, its pending deltas, and the columns it counts by."""

    name: str
    base: type[Model]
    delta: type[Model]
    key: tuple[str, ...]

    @property
    def columns(self) -> str:
        return ", ".join(self.key)

    @property
    def source(self) -> str:
        """Counts and deltas as one relation (only our own table and column names)."""
        table, deltas = self.base._meta.db_table, self.delta._meta.db_table
        return (
            f"(SELECT {self.columns}, n FROM {table} "  # noqa: S608 - our identifiers only
            f"UNION ALL SELECT {self.columns}, n FROM {deltas}) AS tally"
        )

    @property
    def fold_sql(self) -> str:
        """Move every delta into the counts, keys in order, in one statement."""
        table, deltas, cols = self.base._meta.db_table, self.delta._meta.db_table, self.columns
        return (
            f"WITH moved AS (DELETE FROM {deltas} RETURNING {cols}, n) "  # noqa: S608
            f"INSERT INTO {table} AS t ({cols}, n) "
            f"SELECT {cols}, sum(n) FROM moved GROUP BY {cols} ORDER BY {cols} "
            f"ON CONFLICT ({cols}) DO UPDATE SET n = t.n + EXCLUDED.n"
        )


TEAM = Tally("team", TeamTally, TeamTallyDelta, ("team_id", "status"))
FLEET = Tally("fleet", FleetTally, FleetTallyDelta, ("status", "provider", "region"))
TALLIES = (TEAM, FLEET)


@dataclass(frozen=True)
class Drift:
    tally: str
    key: tuple[Any, ...]
    tallied: int
    counted: int


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def tally_counts(tally: Tally) -> dict[tuple[Any, ...], int]:
    """Every non-zero count of `tally`, by key."""
    rows = _fetch(
        f"SELECT {tally.columns}, SUM(n) FROM {tally.source} "  # noqa: S608 - our identifiers
        f"GROUP BY {tally.columns} HAVING SUM(n) <> 0",
        [],
    )
    return {tuple(row[:-1]): int(row[-1]) for row in rows}


def counted(tally: Tally) -> dict[tuple[Any, ...], int]:
    """The same counts from a GROUP BY over every connection (the slow, certain way)."""
    rows = Connection.objects.order_by().values_list(*tally.key).annotate(n=Count("id"))
    return {tuple(row[:-1]): int(row[-1]) for row in rows}


def fleet_counts() -> list[tuple[str, str, str, int]]:
    """(status, provider, region, connections) over the whole fleet, zeros left out."""
    return [(s, p, r, n) for (s, p, r), n in tally_counts(FLEET).items()]


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
        f"FROM {TEAM.source} {where} GROUP BY team_id HAVING SUM(n) > 0 "
        "ORDER BY failing DESC, revoked DESC, connections DESC, team_id LIMIT %s OFFSET %s",
        [*params, limit, offset],
    )
    return [
        {"team_id": team, "connections": int(n), "failing": int(f), "revoked": int(r)}
        for team, n, f, r in rows
    ]


def tally_drift() -> list[Drift]:
    """Every key where a tally and a real count disagree (empty when all is well)."""
    drift = []
    for tally in TALLIES:
        tallied, real = tally_counts(tally), counted(tally)
        drift += [
            Drift(tally.name, key, tallied.get(key, 0), real.get(key, 0))
            for key in sorted(tallied.keys() | real.keys(), key=str)
            if tallied.get(key, 0) != real.get(key, 0)
        ]
    return drift


@transaction.atomic
def tally_rebuild() -> int:
    """Recount both tallies from the connections table; returns the rows written.

    Writers to the connections table wait while this runs (a SHARE lock on Postgres;
    SQLite has one writer anyway), so no change slips between the count and the write.
    """
    # Postgres only: its triggers append deltas under concurrent writers (tallies kept, ops_totals).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [COMPACT_LOCK])
            cursor.execute("LOCK TABLE connectors_connection IN SHARE MODE")
    written = 0
    for tally in TALLIES:
        tally.delta._default_manager.all().delete()
        tally.base._default_manager.all().delete()
        rows = [
            tally.base(**dict(zip(tally.key, key, strict=True)), n=n)
            for key, n in counted(tally).items()
        ]
        written += len(tally.base._default_manager.bulk_create(rows, batch_size=1000))
    return written


@transaction.atomic
def tally_compact() -> dict[str, int]:
    """Fold pending deltas into the counts, then drop counts that fell to zero.

    Only one compaction runs at a time (a transaction-level advisory lock; a second
    one returns at once). The triggers only ever insert deltas, so nothing here waits
    on a writer. Returns how many keys took deltas and how many zero rows were dropped.
    """
    keys = zero = 0
    # Postgres only: SQLite's triggers update the counts directly (tallies kept, ops_totals).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [COMPACT_LOCK])
            row = cursor.fetchone()
            if not (row and row[0]):
                return {"keys": 0, "zero_rows": 0}
            for tally in TALLIES:
                cursor.execute(tally.fold_sql)
                keys += cursor.rowcount
    for tally in TALLIES:
        zero += tally.base._default_manager.filter(n=0).delete()[0]
    return {"keys": keys, "zero_rows": zero}
