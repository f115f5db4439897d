"""Reads for the operators' dashboard: a fixed number of aggregate queries, bounded lists.

Nothing here grows with the number of connections except the database's own GROUP BY
work: lists are LIMITed, filters hit indexes (status/status_since, next_check_at,
checked_at), and percentiles come from bounded samples or the 5-minute fleet rollups.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Sum

from connectors.health.outcomes import Outcome, Status
from connectors.models import ACTIVE_STATUSES, Check, Connection, FleetRollup, Transition
from portal.models import Team

STATUSES = [s.value for s in Status]
BROKEN = (Status.FAILING, Status.REVOKED)
SAMPLE = 5000  # latency percentiles come from at most this many most recent checks
ACTIVE = [s.value for s in ACTIVE_STATUSES]


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


@dataclass(frozen=True)
class CheckLag:
    active: int
    overdue: int
    worst_seconds: float  # how late the most overdue check is (0 if none)
    p95_seconds: float  # 95th percentile of lateness over all active connections


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


def ops_totals() -> Totals:
    """Counts by status, provider and region: one GROUP BY, plus the number of teams."""
    by_status: Counter[str] = Counter()
    by_provider: Counter[str] = Counter()
    by_region: Counter[str] = Counter()
    rows = Connection.objects.order_by().values_list("status", "provider", "region")
    for status, provider, region, count in rows.annotate(n=Count("id")):
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


def ops_broken_longest(*, limit: int = 15) -> list[Connection]:
    """Failing or revoked connections, longest in that state first (status_since index)."""
    rows = connections_filtered(ConnectionFilters()).filter(status__in=BROKEN)
    return list(rows.order_by("status_since", "id")[:limit])


def ops_transitions_recent(*, limit: int = 20) -> list[Transition]:
    rows = Transition.objects.select_related("connection", "team").order_by("-at", "-id")
    return list(rows[:limit])


def ops_team_rows(*, q: str = "", limit: int = 25, offset: int = 0) -> list[dict[str, Any]]:
    """Per team: connections, failing, revoked and last status change; worst first.

    "Last status change" is the newest `status_since` among the team's connections,
    which every transition sets; it comes from the same GROUP BY, with no per-team query.
    """
    rows = Connection.objects.order_by().values("team_id")
    if q:
        rows = rows.filter(Q(team__name__icontains=q) | Q(team__slug=q))
    grouped = rows.annotate(
        connections=Count("id"),
        failing=Count("id", filter=Q(status=Status.FAILING)),
        revoked=Count("id", filter=Q(status=Status.REVOKED)),
        last_change=Max("status_since"),
    ).order_by("-failing", "-revoked", "-connections", "team_id")
    found: list[dict[str, Any]] = [dict(row) for row in grouped[offset : offset + limit]]
    teams = Team.objects.in_bulk([row["team_id"] for row in found])
    for row in found:
        row["team"] = teams.get(row["team_id"])
    return [row for row in found if row["team"] is not None]


def ops_check_lag(*, now: datetime) -> CheckLag:
    """How late the most overdue check is, and the 95th percentile of lateness.

    Lateness is 0 for a connection not yet due, so the p95 is the lateness of the
    ceil(5%)-th most overdue connection: one index-ordered row via OFFSET.
    """
    active = Connection.objects.filter(status__in=ACTIVE, next_check_at__isnull=False)
    counts = active.aggregate(
        active=Count("id"), overdue=Count("id", filter=Q(next_check_at__lt=now))
    )
    total, overdue = counts["active"], counts["overdue"]
    due = active.filter(next_check_at__lt=now).order_by("next_check_at")
    oldest = due.values_list("next_check_at", flat=True).first()
    worst = (now - oldest).total_seconds() if oldest else 0.0
    rank = math.ceil(total * 0.05)
    p95 = 0.0
    if overdue and rank and overdue >= rank:
        at = due.values_list("next_check_at", flat=True)[rank - 1 : rank].first()
        p95 = (now - at).total_seconds() if at else 0.0
    return CheckLag(total, overdue, worst, p95)


def _percentile(ordered: list[int], fraction: float) -> int | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ops_latency(*, since: datetime) -> Latency:
    """p50/p95/p99 of the newest checks since `since` (at most SAMPLE of them)."""
    latest = Check.objects.filter(checked_at__gte=since, latency_ms__isnull=False)
    values = latest.order_by("-checked_at").values_list("latency_ms", flat=True)[:SAMPLE]
    clean = sorted(v for v in values if v is not None)
    return Latency(
        len(clean), _percentile(clean, 0.5), _percentile(clean, 0.95), _percentile(clean, 0.99)
    )


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


def ops_outcomes(*, since: datetime) -> dict[str, int]:
    """Checks by outcome since `since`, from the fleet rollups."""
    sums = FleetRollup.objects.filter(bucket__gte=since).aggregate(
        **{o.value: Sum(o.value) for o in Outcome}
    )
    return {k: v or 0 for k, v in sums.items()}


def team_window(now: datetime) -> dict[str, datetime]:
    return {"hour": now - timedelta(hours=1), "day": now - timedelta(days=1)}
