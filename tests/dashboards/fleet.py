"""Build fleets of any size quickly (bulk inserts) for dashboard tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from connectors.health.outcomes import Outcome, Status
from connectors.models import App, Check, CheckDaily, Connection, FleetRollup, Transition
from portal.models import Team
from tests.connectors.factories import AppFactory

CYCLE = [Status.HEALTHY, Status.HEALTHY, Status.DEGRADED, Status.FAILING, Status.REVOKED,
         Status.PENDING, Status.DISCONNECTED]  # fmt: skip


def fleet_build(team: Team, count: int, *, app: App | None = None) -> list[Connection]:
    """`count` connections cycling through every status, each with a little history."""
    now = timezone.now()
    app = app or AppFactory(team=team)
    rows = [
        Connection(
            team=team, app=app, provider="intercom", external_id=f"{team.slug}-{i:05d}",
            workspace_name=f"Workspace {i:05d}", region=["us", "eu", "au"][i % 3],
            status=CYCLE[i % len(CYCLE)], status_since=now - timedelta(minutes=i),
            status_reason="reason", last_checked_at=now - timedelta(minutes=1),
            last_latency_ms=100 + i % 50, next_check_at=now + timedelta(minutes=i % 9 - 4),
            connected_at=now - timedelta(days=31),
        )
        for i in range(count)
    ]  # fmt: skip
    made = Connection.objects.bulk_create(rows, batch_size=500)
    Check.objects.bulk_create(
        [Check(connection=c, checked_at=now - timedelta(minutes=k * 15), outcome=Outcome.OK,
               status_after=c.status, http_status=200, latency_ms=120 + k)
         for c in made for k in range(3)],
        batch_size=1000,
    )  # fmt: skip
    Transition.objects.bulk_create(
        [Transition(connection=c, team=team, at=now - timedelta(days=2), from_status="healthy",
                    to_status=c.status) for c in made],
        batch_size=1000,
    )  # fmt: skip
    CheckDaily.objects.bulk_create(
        [CheckDaily(connection=c, day=(now - timedelta(days=d)).date(), checks=10, ok=9,
                    transient=1, latency_p50_ms=120, latency_p95_ms=300)
         for c in made for d in range(1, 4)],
        batch_size=1000,
    )  # fmt: skip
    FleetRollup.objects.bulk_create(
        [FleetRollup(bucket=now - timedelta(minutes=5 * k), provider="intercom", region="us",
                     checks=count, ok=count, latency_p50_ms=120, latency_p95_ms=300)
         for k in range(1, 13)],
    )  # fmt: skip
    return made
