"""The /ops/ reads against hand-built data: counts, team rows, lag and latency samples."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import Check, Connection, Transition
from connectors.ops import selectors
from tests.connectors.factories import ConnectionFactory
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_latency_of_a_day_samples_the_whole_day_not_its_last_minutes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A day of 100 ms checks, then a last hour of 900 ms ones: the day's median is
    100 ms, the hour's 900 ms, though the newest SAMPLE checks are all from the hour."""
    monkeypatch.setattr(selectors, "SAMPLE", 48)
    conn = ConnectionFactory()
    now = timezone.now()
    rows = [Check(connection=conn, checked_at=now - timedelta(minutes=m), outcome="ok",
                  status_after="healthy", latency_ms=900 if m <= 60 else 100)
            for m in range(1, 24 * 60, 5)]  # fmt: skip
    Check.objects.bulk_create(rows)

    day, hour = selectors.ops_latency(
        (now - timedelta(days=1), now, 24), (now - timedelta(hours=1), now, 12)
    )

    assert day.sample == 48  # 2 per hour-slice
    assert (day.p50, day.p99) == (100, 900)
    assert (hour.p50, hour.p95) == (900, 900)


def test_team_rows_count_from_the_tally_and_show_the_last_transition() -> None:
    quiet, loud = TeamFactory(name="Quiet"), TeamFactory(name="Loud Corp", slug="loud")
    ConnectionFactory.create_batch(3, app__team=quiet, status="healthy")
    failing = ConnectionFactory.create_batch(2, app__team=loud, status="failing")
    ConnectionFactory(app__team=loud, status="revoked")
    at = timezone.now() - timedelta(hours=2)
    for i, conn in enumerate(failing):
        Transition.objects.create(connection=conn, team=loud, at=at - timedelta(days=i),
                                  from_status="healthy", to_status="failing")  # fmt: skip

    rows = selectors.ops_team_rows()
    assert [(r["team"].name, r["connections"], r["failing"], r["revoked"]) for r in rows] == [
        ("Loud Corp", 3, 2, 1),
        ("Quiet", 3, 0, 0),
    ]
    assert rows[0]["last_change"] == at
    assert rows[1]["last_change"] is None
    assert [r["team"].name for r in selectors.ops_team_rows(q="loud")] == ["Loud Corp"]
    assert [r["team"].name for r in selectors.ops_team_rows(q="uie")] == ["Quiet"]
    assert [r["team"].name for r in selectors.ops_team_rows(limit=1, offset=1)] == ["Quiet"]


def test_totals_and_broken_longest_follow_every_change() -> None:
    team = TeamFactory()
    old, new = ConnectionFactory.create_batch(2, app__team=team, status="revoked")
    now = timezone.now()
    Connection.objects.filter(pk=old.pk).update(status_since=now - timedelta(days=3))
    Connection.objects.filter(pk=new.pk).update(status="failing", status_since=now)
    ConnectionFactory(app__team=team, status="healthy", region="eu")

    totals = selectors.ops_totals()
    assert totals.total == 3
    assert (totals.by_status["revoked"], totals.by_status["failing"]) == (1, 1)
    assert totals.by_region == {"us": 2, "eu": 1}
    assert [c.pk for c in selectors.ops_broken_longest()] == [old.pk, new.pk]


@pytest.mark.parametrize(
    "query",
    [{}, {"status": "revoked"}, {"status": "broken"}, {"region": "eu"},
     {"status": "healthy", "region": "us", "provider": "intercom"}, {"provider": "other"}],
)  # fmt: skip
def test_list_counts_from_the_tally_equal_a_real_count(query: dict[str, str]) -> None:
    team = TeamFactory()
    for status, region in [("healthy", "us"), ("healthy", "eu"), ("revoked", "eu"),
                           ("failing", "us"), ("revoked", "us")]:  # fmt: skip
        ConnectionFactory(app__team=team, status=status, region=region)
    filters = selectors.ConnectionFilters.from_query(query)
    assert selectors.tally_count(filters) == selectors.connections_filtered(filters).count()


def test_list_counts_need_a_real_count_for_team_or_search() -> None:
    for query in ({"team": "acme"}, {"q": "Workspace"}, {"status": "healthy", "team": "x"}):
        assert selectors.tally_count(selectors.ConnectionFilters.from_query(query)) is None
