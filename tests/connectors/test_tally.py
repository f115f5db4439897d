"""The connection tallies: database triggers keep the counts equal to a real count.

Every way the code writes connections is exercised (ORM saves, queryset updates and
deletes, bulk creates, the engine's one-statement bulk write, team and app deletion),
and after each step the tally must equal a GROUP BY over the connections table. On
Postgres, concurrent writers changing overlapping counts must neither deadlock nor
lose a change.
"""

from __future__ import annotations

import random
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from connectors.engine.writes import rows_update
from connectors.models import Connection, FleetTally, FleetTallyDelta, TeamTally, TeamTallyDelta
from connectors.tally import (
    FLEET,
    TEAM,
    counted,
    tally_compact,
    tally_counts,
    tally_drift,
    tally_rebuild,
)
from portal.models import Team
from tests.connectors.factories import AppFactory, ConnectionFactory
from tests.factories import TeamFactory
from tests.support.services import need_postgres

STATUSES = ["pending", "healthy", "degraded", "failing", "revoked", "disconnected"]
REGIONS = ["us", "eu", "au", ""]

pytestmark = pytest.mark.django_db


def assert_in_step() -> None:
    assert tally_drift() == []


def test_creates_updates_and_deletes_are_counted() -> None:
    app = AppFactory()
    first = ConnectionFactory(app=app, status="healthy")
    ConnectionFactory(app=app, status="healthy")
    assert tally_counts(TEAM) == {(app.team_id, "healthy"): 2}
    assert tally_counts(FLEET) == {("healthy", "intercom", "us"): 2}

    first.status, first.region = "revoked", "eu"
    first.save()
    assert tally_counts(TEAM) == {(app.team_id, "healthy"): 1, (app.team_id, "revoked"): 1}
    assert tally_counts(FLEET) == {
        ("healthy", "intercom", "us"): 1,
        ("revoked", "intercom", "eu"): 1,
    }
    first.delete()
    assert tally_counts(TEAM) == {(app.team_id, "healthy"): 1}
    assert tally_counts(FLEET) == {("healthy", "intercom", "us"): 1}
    assert_in_step()


def test_saves_that_change_no_key_leave_the_tally_alone() -> None:
    conn = ConnectionFactory(status="healthy")
    tally_compact()

    def rows() -> list[list[tuple[int, int]]]:
        return [list(m.objects.order_by("id").values_list("id", "n"))
                for m in (TeamTally, TeamTallyDelta, FleetTally, FleetTallyDelta)]  # fmt: skip

    before = rows()
    conn.workspace_name = "Renamed"
    conn.last_latency_ms = 120
    conn.save()
    Connection.objects.filter(pk=conn.pk).update(consecutive_failures=3)
    assert rows() == before


def test_random_mix_of_every_write_path_stays_in_step() -> None:
    rng = random.Random(20261129)
    teams = [TeamFactory() for _ in range(3)]
    apps = [AppFactory(team=t) for t in teams]

    def some(k: int) -> list[Connection]:
        ids = list(Connection.objects.values_list("id", flat=True))
        return list(Connection.objects.filter(id__in=rng.sample(ids, min(k, len(ids)))))

    for step in range(120):
        op = rng.choice(["create", "bulk", "save", "update", "engine", "move", "delete", "qsdel"])
        if op == "create" or Connection.objects.count() < 5:
            app = rng.choice(apps)
            ConnectionFactory(app=app, status=rng.choice(STATUSES), region=rng.choice(REGIONS))
        elif op == "bulk":
            app = rng.choice(apps)
            Connection.objects.bulk_create(
                Connection(team=app.team, app=app, provider="intercom", region=rng.choice(REGIONS),
                           external_id=f"bulk-{step}-{i}", status=rng.choice(STATUSES))
                for i in range(rng.randint(1, 6))
            )  # fmt: skip
        elif op == "save":
            (conn,) = some(1)
            conn.status, conn.region = rng.choice(STATUSES), rng.choice(REGIONS)
            conn.save()
        elif op == "update":
            ids = [c.pk for c in some(5)]
            Connection.objects.filter(id__in=ids).update(status=rng.choice(STATUSES))
        elif op == "engine":
            rows = [c for c in some(8) if c.status != "disconnected"]
            for row in rows:
                row.status = rng.choice(STATUSES[:5])
            rows_update(rows=rows, fields=["status", "status_reason"])
        elif op == "move":
            (conn,) = some(1)
            Connection.objects.filter(pk=conn.pk).update(team=rng.choice(teams), provider="other")
        elif op == "delete":
            (conn,) = some(1)
            conn.delete()
        else:
            Connection.objects.filter(id__in=[c.pk for c in some(3)]).delete()
        assert tally_drift() == [], f"step {step}: {op}"


def test_compaction_folds_pending_changes_without_changing_any_count() -> None:
    app = AppFactory()
    ConnectionFactory.create_batch(4, app=app, status="healthy")
    Connection.objects.filter(pk__in=Connection.objects.values("pk")[:2]).update(status="failing")
    before = tally_counts(TEAM), tally_counts(FLEET)
    assert before == (
        {(app.team_id, "healthy"): 2, (app.team_id, "failing"): 2},
        {("healthy", "intercom", "us"): 2, ("failing", "intercom", "us"): 2},
    )
    pending = TeamTallyDelta.objects.count() + FleetTallyDelta.objects.count()
    assert pending > 0 if connection.vendor == "postgresql" else pending == 0
    tally_compact()
    assert TeamTallyDelta.objects.count() + FleetTallyDelta.objects.count() == 0
    assert (tally_counts(TEAM), tally_counts(FLEET)) == before
    assert dict(TeamTally.objects.values_list("status", "n")) == {"healthy": 2, "failing": 2}
    assert dict(FleetTally.objects.values_list("status", "n")) == {"healthy": 2, "failing": 2}


def test_deleting_a_team_or_an_app_keeps_counts_right_and_compaction_clears_zeros() -> None:
    app = AppFactory()
    other = ConnectionFactory(status="failing")
    ConnectionFactory.create_batch(3, app=app, status="healthy")
    app.delete()  # connections stay, without their app: counts are unchanged
    assert_in_step()
    tally_compact()
    assert TeamTally.objects.filter(team_id=app.team_id, n=3).exists()
    Team.objects.get(pk=app.team_id).delete()
    assert_in_step()
    assert TeamTally.objects.filter(team_id=app.team_id).exists()
    # The team's row and the fleet's healthy row both fell to zero.
    assert tally_compact()["zero_rows"] == 2
    assert not TeamTally.objects.filter(team_id=app.team_id).exists()
    assert tally_counts(TEAM) == {(other.team_id, "failing"): 1}
    assert list(FleetTally.objects.values_list("status", "n")) == [("failing", 1)]


def test_drift_is_reported_and_rebuild_repairs_it() -> None:
    conn = ConnectionFactory(status="healthy")
    ConnectionFactory(team=conn.team, app=conn.app, status="revoked")
    tally_compact()
    TeamTally.objects.filter(status="revoked").update(n=7)  # as a bad restore might
    FleetTally.objects.filter(status="healthy").delete()

    drift = {(d.tally, d.key[-1] if d.tally == "team" else d.key[0]): (d.tallied, d.counted)
             for d in tally_drift()}  # fmt: skip
    assert drift == {("fleet", "healthy"): (0, 1), ("team", "revoked"): (7, 1)}
    out = StringIO()
    with pytest.raises(CommandError, match="connection_tally --rebuild"):
        call_command("connection_tally", stdout=out)
    assert "tally 7, real 1" in out.getvalue()

    call_command("connection_tally", "--rebuild", stdout=out)
    assert "Rebuilt the connection tallies: 4 rows." in out.getvalue()
    assert_in_step()
    out = StringIO()
    call_command("connection_tally", stdout=out)
    assert "match the connections table" in out.getvalue()
    assert tally_rebuild() == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_neither_deadlock_nor_lose_counts() -> None:
    """Four threads flip statuses in multi-row statements, as leased engine batches do,
    while a fifth compacts the tally.

    Each thread owns its own connections (the engine's leases make batches disjoint),
    but all of them span the same teams, so they share every tally row.
    """
    need_postgres()
    teams = [TeamFactory() for _ in range(4)]
    for team in teams:
        ConnectionFactory.create_batch(15, app=AppFactory(team=team), status="healthy")
    ids = list(Connection.objects.values_list("id", flat=True))
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        mine = ids[seed::4]
        try:
            for _ in range(25):
                with transaction.atomic():
                    rows = list(Connection.objects.filter(id__in=rng.sample(mine, 10)))
                    rng.shuffle(rows)
                    for row in rows:
                        row.status = rng.choice(STATUSES[:5])
                    rows_update(rows=rows, fields=["status"])
                    Connection.objects.filter(id=rng.choice(mine)).update(
                        status=rng.choice(STATUSES[:5])
                    )
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    writing = True

    def compactor() -> None:
        folded = 0
        try:
            while writing:
                folded += tally_compact()["keys"]
            assert folded > 0, "the compactor never folded anything"
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(4)]
    compacting = threading.Thread(target=compactor)
    for thread in [*threads, compacting]:
        thread.start()
    for thread in threads:
        thread.join(120)
    writing = False
    compacting.join(30)
    assert errors == []
    assert connection.vendor == "postgresql"
    assert tally_counts(TEAM) == counted(TEAM)
    assert tally_counts(FLEET) == counted(FLEET)
    assert sum(tally_counts(TEAM).values()) == sum(tally_counts(FLEET).values()) == 60
