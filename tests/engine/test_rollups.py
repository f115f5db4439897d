"""Rollups: 5-minute fleet buckets by provider and region, and their recomputation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.engine.rollups import fleet_rollup
from connectors.models import Check, Connection, FleetRollup
from tests.connectors.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

BUCKET = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)


def checks(connection: Connection, *latencies: int, outcome: str = "ok") -> None:
    Check.objects.bulk_create(
        Check(connection=connection, checked_at=BUCKET + timedelta(seconds=10 * i),
              outcome=outcome, status_after="healthy", latency_ms=ms)
        for i, ms in enumerate(latencies)
    )  # fmt: skip


def test_teams_share_one_bucket_row_per_provider_and_region() -> None:
    a, b = ConnectionFactory(region="us"), ConnectionFactory(region="us")
    eu = ConnectionFactory(region="eu")
    assert a.team_id != b.team_id
    checks(a, 100, 200, 300)
    checks(b, 400, outcome="transient")
    checks(eu, 50)

    written = fleet_rollup(since=BUCKET, until=BUCKET + timedelta(minutes=4))

    assert written == 2
    us = FleetRollup.objects.get(bucket=BUCKET, region="us")
    assert (us.checks, us.ok, us.transient) == (4, 3, 1)
    assert us.latency_p50_ms is not None
    assert 200 <= us.latency_p50_ms <= 300  # the median of 100, 200, 300, 400
    assert FleetRollup.objects.get(bucket=BUCKET, region="eu").checks == 1


def test_recomputing_replaces_buckets_and_drops_emptied_ones() -> None:
    kept, gone = ConnectionFactory(region="us"), ConnectionFactory(region="au")
    checks(kept, 100)
    checks(gone, 100, 100)
    fleet_rollup(since=BUCKET, until=BUCKET)
    assert FleetRollup.objects.filter(bucket=BUCKET).count() == 2

    gone.delete()  # its checks go with it
    checks(kept, 300)
    fleet_rollup(since=BUCKET, until=BUCKET)

    assert list(FleetRollup.objects.values_list("region", "checks")) == [("us", 2)]
