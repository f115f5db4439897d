"""Reads for the operators' dashboard: a fixed number of queries, none reading every row.

Counts come from the connection tallies (connectors/tally.py, kept by triggers); lists
are LIMITed and follow indexes (status/status_since, next_check_at, checked_at, a
team's transitions), and percentiles come from bounded samples or the 5-minute fleet
rollups.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from connectors.health.outcomes import ACTIVE, STATUSES, Outcome, Status
from connectors.models import Connection, FleetRollup, Transition
from connectors.tally import fleet_counts, team_counts
from portal.models import Team

BROKEN = (Status.FAILING, Status.REVOKED)
SAMPLE = 2400  # latency percentiles come from at most this many checks
OVERDUE_CAP = 5_000  # "5,000+ overdue" says enough; counting further only costs time


def query_text(query: Any, name: str, *, limit: int = 100) -> str:
    """One query-string value as clean, bounded text for a filter or a search."""
    # NUL can't be in a Postgres text literal: drop it rather than fail the page.
    return str(query.get(name, "")).replace("\x00", "").strip()[:limit]


@dataclass(frozen=True)
class ConnectionFilters:
    """The filters every connection list on /ops/ understands (all optional)."""

    status: str = ""
    provider: str = ""
    region: str = ""
    team: str = ""  # slug
    q: str = ""  # team name, workspace name or workspace id

    @classmethod
    def from_query(cls, query: Any) -> ConnectionFilters:
        def get(name: str, limit: int = 100) -> str:
            return query_text(query, name, limit=limit)

        status = get("status")
        return cls(
            status=status if status in STATUSES or status == "broken" else "",
            provider=get("provider", 40),
            region=get("region", 20),
            team=get("team", 50),
            q=get("q"),
        )

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.as_query())


@dataclass(frozen=True)
class Totals:
    total: int
    by_status: dict[str, int]
    by_provider: dict[str, int]
    by_region: dict[str, int]
    teams: int

    @property
    def active(self) -> int:
        """Connections the engine checks (pending, healthy, degraded, failing)."""
        return sum(self.by_status[s] for s in ACTIVE)


@dataclass(frozen=True)
class CheckLag:
    active: int
    overdue: int
    worst_seconds: float  # how late the most overdue check is (0 if none)
    p95_seconds: float  # 95th percentile of lateness over all active connections
    overdue_capped: bool = False  # more than `overdue` are overdue


@dataclass(frozen=True)
class Latency:
    sample: int
    p50: int | None
    p95: int | None
    p99: int | None


@dataclass
class Throughput:
    buckets: list[tuple[datetime, float, float | None, float | None]] = field(default_factory=list)
    checks: int = 0


def connections_filtered(filters: ConnectionFilters) -> QuerySet[Connection]:
    """Connections matching `filters`, with their team and app loaded in the same query."""
    rows = Connection.objects.select_related("team", "app")
    if filters.status == "broken":
        rows = rows.filter(status__in=BROKEN)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.provider:
        rows = rows.filter(provider=filters.provider)
    if filters.region:
        rows = rows.filter(region=filters.region)
    if filters.team:
        rows = rows.filter(team__slug=filters.team)
    if filters.q:
        rows = rows.filter(
            Q(workspace_name__icontains=filters.q)
            | Q(external_id=filters.q)
            | Q(team__name__icontains=filters.q)
            | Q(team__slug=filters.q)
        )
    return rows


def tally_count(filters: ConnectionFilters) -> int | None:
    """How many connections `filters` match, from the fleet tally, when it can tell
    (status, provider and region filters only); None when a real count is needed."""
    if filters.team or filters.q:
        return None
    if filters.status == "broken":
        statuses = {s.value for s in BROKEN}
    else:
        statuses = {filters.status} if filters.status else set(STATUSES)
    return sum(
        n
        for status, provider, region, n in fleet_counts()
        if status in statuses
        and (not filters.provider or provider == filters.provider)
        and (not filters.region or region == filters.region)
    )


def ops_totals() -> Totals:
    """Counts by status, provider and region, from the fleet tally (no scan)."""
    # Tallies kept: a plain COUNT here and in ops_team_rows put /ops/ p95 at 5.0-12.2x the
    # trivial page at 100,000 connections (bench/dashboard.py), against 2.1-4.8x with them.
    by_status: Counter[str] = Counter()
    by_provider: Counter[str] = Counter()
    by_region: Counter[str] = Counter()
    for status, provider, region, count in fleet_counts():
        by_status[status] += count
        by_provider[provider] += count
        by_region[region or "—"] += count
    return Totals(
        total=sum(by_status.values()),
        by_status={s: by_status.get(s, 0) for s in STATUSES},
        by_provider=dict(by_provider.most_common()),
        by_region=dict(by_region.most_common()),
        teams=Team.objects.count(),
    )


# What the dashboard's lists show of a connection: no need to load (or convert) the rest.
LISTED = ("workspace_name", "external_id", "status", "status_since", "status_reason",
          "team__slug", "team__name")  # fmt: skip


def ops_broken_longest(*, limit: int = 15) -> list[Connection]:
    """Failing or revoked connections, longest in that state first.

    One index range per status (status, status_since), merged here: an IN over both
    would sort every broken connection to find the oldest few.
    """
    found: list[Connection] = []
    for status in BROKEN:
        rows = Connection.objects.filter(status=status).select_related("team").only(*LISTED)
        found += rows.order_by("status_since", "id")[:limit]
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(found, key=lambda c: (c.status_since or epoch, c.pk))[:limit]


def ops_transitions_recent(*, limit: int = 20) -> list[Transition]:
    rows = Transition.objects.select_related("connection", "team").only(
        "at", "from_status", "to_status", "reason", "connection__workspace_name",
        "connection__external_id", "team__slug", "team__name",
    )  # fmt: skip
    return list(rows.order_by("-at", "-id")[:limit])


def ops_team_rows(*, q: str = "", limit: int = 25, offset: int = 0) -> list[dict[str, Any]]:
    """Per team: connections, failing, revoked and last transition; worst first.

    Counts come from the team tally; the page's teams and each one's newest
    transition (an index probe per team) come in one more query.
    """
    teams = None
    if q:
        teams = Team.objects.filter(Q(name__icontains=q) | Q(slug=q)).values("id")
    found: list[dict[str, Any]] = team_counts(
        teams=teams, failing=Status.FAILING, revoked=Status.REVOKED, limit=limit, offset=offset
    )
    newest = Transition.objects.filter(team=OuterRef("pk")).order_by("-at").values("at")[:1]
    by_id = (
        Team.objects.only("slug", "name")
        .annotate(last_change=Subquery(newest))
        .in_bulk([row["team_id"] for row in found])
    )
    for row in found:
        team = by_id.get(row["team_id"])
        row["team"], row["last_change"] = team, getattr(team, "last_change", None)
    return [row for row in found if row["team"] is not None]


def ops_check_lag(*, now: datetime, active: int) -> CheckLag:
    """How late the most overdue check is, and the 95th percentile of lateness.

    `active` is the number of active connections (`Totals.active`).
    One walk along the due index (active rows by next_check_at, oldest first) gives
    the rest: the oldest entry; the overdue count, up to OVERDUE_CAP or 5% of the
    fleet (a backlog of the whole fleet costs no more than that); and, since lateness
    is 0 for a connection not yet due, the p95 as the lateness of the ceil(5%)-th most
    overdue connection.
    """
    rank = math.ceil(active * 0.05)
    cap = max(OVERDUE_CAP, rank)  # the walk reaches the p95's row whatever the fleet
    walk = (
        Connection.objects.filter(status__in=ACTIVE, next_check_at__lt=now)
        .annotate(position=Window(RowNumber(), order_by=F("next_check_at").asc()))
        .order_by("next_check_at")
        .values("next_check_at", "position")[: cap + 1]
    )
    found = walk.aggregate(
        overdue=Count("position"),
        oldest=Min("next_check_at"),
        at_rank=Max(Case(When(position__lte=rank, then="next_check_at"))),
    )
    overdue, oldest, at_rank = found["overdue"], found["oldest"], found["at_rank"]
    worst = (now - oldest).total_seconds() if oldest else 0.0
    p95 = (now - at_rank).total_seconds() if rank and at_rank and overdue >= rank else 0.0
    return CheckLag(active, min(overdue, cap), worst, p95, overdue > cap)


def _percentile(ordered: list[int], fraction: float) -> int | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# The newest `per_slice` measured checks of one time slice, through the check_time index.
SLICE_SQL = (
    "SELECT {window} AS w, latency_ms FROM connectors_check WHERE checked_at >= {start} "
    "AND checked_at < {end} AND latency_ms IS NOT NULL ORDER BY checked_at DESC LIMIT %s"
)
# On Postgres, one window's slices as a LATERAL over generate_series: a short statement
# (psycopg parses a long one again on every call).
LATERAL_SQL = (
    "SELECT s.w, s.latency_ms FROM generate_series(0, %s) AS i, LATERAL ("  # noqa: S608
    + SLICE_SQL.format(window="%s", start="%s + i * %s", end="%s + (i + 1) * %s")
    + ") AS s"
)


def ops_latency(*windows: tuple[datetime, datetime, int]) -> list[Latency]:
    """p50/p95/p99 of check latency over each (since, until, slices) window, from a
    sample spread in time, in one statement.

    Each window is cut into `slices` equal slices and the newest SAMPLE/slices checks of
    each are taken, one index range each: the newest SAMPLE checks alone would describe
    only the last minutes of a busy day.
    """
    parts: list[str] = []
    params: list[Any] = []
    for w, (since, until, slices) in enumerate(windows):
        step, per_slice = (until - since) / slices, max(1, SAMPLE // slices)
        # plain path (UNION ALL of slices): /ops/ p95 2.9x, 6.4x, 6.3x the trivial page at 100,000.
        if connection.vendor == "postgresql":
            parts.append(f"({LATERAL_SQL})")
            params += [slices - 1, w, since, step, since, step, per_slice]
            continue
        adapt = connection.ops.adapt_datetimefield_value  # as the ORM stores them
        for i in range(slices):
            parts.append(
                "SELECT * FROM ("  # noqa: S608 - our own SQL; values are params
                + SLICE_SQL.format(window="%s", start="%s", end="%s")
                + ")"
            )
            params += [w, adapt(since + step * i), adapt(since + step * (i + 1)), per_slice]
    samples: list[list[int]] = [[] for _ in windows]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for w, ms in cursor.fetchall():
            samples[w].append(int(ms))
    found = []
    for sample in samples:
        clean = sorted(sample)
        found.append(Latency(len(clean), _percentile(clean, 0.5), _percentile(clean, 0.95),
                             _percentile(clean, 0.99)))  # fmt: skip
    return found


def ops_throughput(*, since: datetime) -> Throughput:
    """Per 5-minute bucket: checks per minute, checks-weighted p50 and worst p95 (rollups)."""
    rows = (
        FleetRollup.objects.filter(bucket__gte=since)
        .order_by()
        .values("bucket")
        .annotate(
            total=Sum("checks"),
            weighted=Sum(F("latency_p50_ms") * F("checks")),
            measured=Sum("checks", filter=Q(latency_p50_ms__isnull=False)),
            worst95=Max("latency_p95_ms"),
        )
        .order_by("bucket")
    )
    result = Throughput()
    for row in rows:
        checks = row["total"] or 0
        median = round(row["weighted"] / row["measured"]) if row["measured"] else None
        result.buckets.append((row["bucket"], round(checks / 5, 1), median, row["worst95"]))
        result.checks += checks
    return result


def ops_configuration_problems(*, limit: int = 10) -> list[dict[str, Any]]:
    """What the portal's own set-up gets wrong: active connections whose last check the
    provider refused as misconfigured (e.g. an API version it does not publish), by reason."""
    rows = (
        Connection.objects.filter(last_outcome=Outcome.MISCONFIGURED.value, status__in=ACTIVE)
        .values("provider", "last_error")
        .annotate(connections=Count("id"))
        .order_by("-connections", "provider", "last_error")
    )
    return [dict(row) for row in rows[:limit]]


def ops_outcomes(*, since: datetime) -> dict[str, int]:
    """Checks by outcome since `since`, from the fleet rollups."""
    sums = FleetRollup.objects.filter(bucket__gte=since).aggregate(
        **{o.value: Sum(o.value) for o in Outcome}
    )
    return {k: v or 0 for k, v in sums.items()}


def team_window(now: datetime) -> dict[str, datetime]:
    return {"hour": now - timedelta(hours=1), "day": now - timedelta(days=1)}
