"""Per-connection and per-team health reads shared by team pages and /ops/ drill-down.

`connection_health_context` feeds `templates/dashboards/_connection_health.html`;
`team_tiles`, `team_connection_page` and `uptimes` feed the team overview. All of them
use a fixed number of queries whatever the size of the team or of the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.core.paginator import Page, Paginator
from django.db import connection as db
from django.db.models import Count, F, Field, Model, Q, QuerySet

from connectors.health.outcomes import STATUSES, Outcome, Status
from connectors.models import SEVERITY_RANK, Check, CheckDaily, Connection, Transition
from connectors.ops import charts
from connectors.ops.selectors import query_text
from portal.models import Team

# A check counts as "up" when the token worked: rate limits and missing permissions are
# not the token's fault. Dead tokens, transient errors and wrong workspaces are down.
UP_OUTCOMES = (Outcome.OK, Outcome.FORBIDDEN, Outcome.RATE_LIMITED)
CHECKS_PER_PAGE = 20
CONNECTIONS_PER_PAGE = 50
# The "needs attention" filter: the statuses someone should act on.
ATTENTION = "attention"
# Suspect (held during a provider incident) is there too: it may yet turn revoked.
NEEDS_ATTENTION = (Status.REVOKED, Status.SUSPECT, Status.FAILING, Status.DEGRADED)
SORTS: dict[str, tuple[Any, ...]] = {
    # By severity, then longest in that status first (never-started statuses last): both
    # follow connection_team_severity_idx (NULLs sort last ascending in an index).
    "status": (SEVERITY_RANK.asc(), F("status_since").asc(nulls_last=True), "id"),
    "-status": (SEVERITY_RANK.desc(), F("status_since").desc(nulls_first=True), "-id"),
    "name": ("workspace_name", "id"),
    "-name": ("-workspace_name", "-id"),
    # Empty values (never started, never checked) come last either way, on every database.
    "since": (F("status_since").asc(nulls_last=True), "id"),
    "-since": (F("status_since").desc(nulls_last=True), "-id"),
    "checked": (F("last_checked_at").asc(nulls_last=True), "id"),
    "-checked": (F("last_checked_at").desc(nulls_last=True), "-id"),
    "latency": (F("last_latency_ms").asc(nulls_last=True), "id"),
    "-latency": (F("last_latency_ms").desc(nulls_last=True), "-id"),
}
# A column header sorts by its first sort, then by the reverse one when clicked again.
COLUMN_SORTS = {"name": "name", "status": "status", "since": "since", "checked": "-checked",
                "latency": "-latency"}  # fmt: skip
DEFAULT_SORT = "status"
# The columns the overview shows: a narrow row (no tokens, none of the scheduler's
# columns) sorts and loads faster, and without a join with the apps, which Postgres would
# run over the whole team before sorting (the page names the apps from the team's).
OVERVIEW_FIELDS = ("id", "app_id", "external_id", "workspace_name", "region", "status",
                   "status_since", "status_reason", "last_checked_at",
                   "last_latency_ms")  # fmt: skip


@dataclass(frozen=True)
class TeamFilters:
    status: str = ""
    app: str = ""  # app public id
    region: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_query(cls, query: Any) -> TeamFilters:
        def get(name: str, limit: int = 100) -> str:
            return query_text(query, name, limit=limit)

        status, sort = get("status"), get("sort")
        return cls(
            status=status if status in STATUSES or status == ATTENTION else "",
            app=get("app", 32),
            region=get("region", 20).lower(),
            q=get("q"),
            sort=sort if sort in SORTS else DEFAULT_SORT,
        )

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items()
                if v and not (k == "sort" and v == DEFAULT_SORT)}  # fmt: skip

    def sort_links(self) -> dict[str, str]:
        """Each column header's link: the same filters, sorted by that column, in reverse
        when the list is already sorted by it (the page goes back to the first)."""
        keep = "".join(f"{k}={quote(v)}&" for k, v in self.as_query().items() if k != "sort")
        links = {}
        for column, first in COLUMN_SORTS.items():
            flipped = first[1:] if first.startswith("-") else f"-{first}"
            sort = flipped if self.sort == first and flipped in SORTS else first
            links[column] = f"?{keep}sort={sort}"
        return links

    def sort_marks(self) -> dict[str, str]:
        """Each column's `aria-sort`: "ascending" or "descending" where the list is sorted
        by it, "" elsewhere."""
        direction = "descending" if self.sort.startswith("-") else "ascending"
        return {column: direction if self.sort.lstrip("-") == column else ""
                for column in COLUMN_SORTS}  # fmt: skip

    def count_from(self, tiles: dict[str, int]) -> int | None:
        """How many connections match, when the status tiles already tell (no filter but
        the status one); None otherwise. Exact because `team_tiles` counts the table
        itself: tiles from a lagging count would cut rows off the last page."""
        if self.app or self.region or self.q:
            return None
        if self.status == ATTENTION:
            return sum(tiles[s] for s in NEEDS_ATTENTION)
        return tiles[self.status] if self.status else sum(tiles.values())


def team_tiles(team: Team) -> tuple[dict[str, int], list[str]]:
    """Connections of `team` by status (every status present, zeros included), and the
    regions they are in, lower case and sorted, for the region filter's choices.

    One GROUP BY (status, region) serves both: 1.2 ms for the dashboard bench's
    5,000-connection team, where a count by status (1.1 ms) and a DISTINCT lower(region)
    (1.6 ms) took 2.7 ms and two round trips (EXPLAIN ANALYZE, least of 30).
    """
    rows = Connection.objects.filter(team=team).order_by().values_list("status", "region")
    counts = {s: 0 for s in STATUSES}
    regions = set()
    for status, region, n in rows.annotate(n=Count("id")).values_list("status", "region", "n"):
        counts[status] = counts.get(status, 0) + n
        if region:
            regions.add(region.lower())
    return {s: counts[s] for s in STATUSES}, sorted(regions)


def team_connections(team: Team, filters: TeamFilters) -> QuerySet[Connection, dict[str, Any]]:
    """The team's connections that match `filters`, sorted, as dicts of OVERVIEW_FIELDS
    (plain rows: model instances cost more to make than the query to run)."""
    rows = Connection.objects.filter(team=team)
    if filters.status == ATTENTION:
        rows = rows.filter(status__in=NEEDS_ATTENTION)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.app:
        rows = rows.filter(app__public_id=filters.app)
    if filters.region:
        rows = rows.filter(region__iexact=filters.region)
    if filters.q:
        rows = rows.filter(Q(workspace_name__icontains=filters.q) | Q(external_id=filters.q))
    shown: QuerySet[Connection, dict[str, Any]] = rows.values(*OVERVIEW_FIELDS)
    return shown.order_by(*SORTS[filters.sort])


def team_connection_page(
    team: Team, filters: TeamFilters, page: str | None, *, count: int | None = None
) -> Page[dict[str, Any]]:
    """A page of `team_connections`; `count`, when the caller knows it, saves the count."""
    paginator = Paginator(team_connections(team, filters), CONNECTIONS_PER_PAGE)
    if count is not None:
        paginator.count = count
    return paginator.get_page(page)


def uptimes(connection_ids: list[int], *, now: datetime) -> dict[int, dict[str, float | None]]:
    """Uptime (share of "up" checks, in %) over 24 h (raw checks), 7 d and 30 d (daily
    rollups), for a page of connections: one statement whatever the page size.

    Plain SQL: the ORM took twice as long to build the two aggregates as the database
    took to run them, on every page of the overview.
    """
    result: dict[int, dict[str, float | None]] = {
        cid: {"d1": None, "d7": None, "d30": None} for cid in connection_ids
    }
    if not connection_ids:
        return result

    def column(model: type[Model], name: str) -> str:
        field = model._meta.get_field(name)
        assert isinstance(field, Field), f"{name} is not a column"
        return db.ops.quote_name(str(field.column))

    # Only identifiers from the models' metadata go into the SQL text; values are params.
    ids, id_params = f"IN ({', '.join(['%s'] * len(connection_ids))})", connection_ids
    up = ", ".join(["%s"] * len(UP_OUTCOMES))
    checks, daily = (db.ops.quote_name(m._meta.db_table) for m in (Check, CheckDaily))
    check_id, daily_id = column(Check, "connection"), column(CheckDaily, "connection")
    day, total = column(CheckDaily, "day"), column(CheckDaily, "checks")
    good = " + ".join(column(CheckDaily, f) for f in ("ok", "forbidden", "rate_limited"))
    sql = (
        f"SELECT 1, {check_id}, COUNT(*), "  # noqa: S608 - identifiers from model metadata
        f"SUM(CASE WHEN {column(Check, 'outcome')} IN ({up}) THEN 1 ELSE 0 END), NULL, NULL "
        f"FROM {checks} WHERE {check_id} {ids} AND {column(Check, 'checked_at')} >= %s "
        f"GROUP BY {check_id} "
        f"UNION ALL SELECT 2, {daily_id}, SUM({total}), SUM({good}), "
        f"SUM(CASE WHEN {day} > %s THEN {total} ELSE 0 END), "
        f"SUM(CASE WHEN {day} > %s THEN {good} ELSE 0 END) "
        f"FROM {daily} WHERE {daily_id} {ids} AND {day} > %s GROUP BY {daily_id}"
    )
    since7 = db.ops.adapt_datefield_value((now - timedelta(days=7)).date())
    since30 = db.ops.adapt_datefield_value((now - timedelta(days=30)).date())
    since1 = db.ops.adapt_datetimefield_value(now - timedelta(days=1))
    outcomes = [o.value for o in UP_OUTCOMES]
    params = [*outcomes, *id_params, since1, since7, since7, *id_params, since30]

    def pct(good: int | None, total: int | None) -> float | None:
        return round(100 * (good or 0) / total, 2) if total else None

    with db.cursor() as cursor:
        cursor.execute(sql, params)
        for part, cid, n, n_up, n7, up7 in cursor.fetchall():
            if part == 1:
                result[cid]["d1"] = pct(n_up, n)
            else:
                result[cid]["d7"], result[cid]["d30"] = pct(up7, n7), pct(n_up, n)
    return result


def _spans(connection: Connection, *, start: datetime, now: datetime) -> list[charts.Span]:
    """Status spans over [start, now] from the transitions (one bounded query)."""
    changes = list(
        Transition.objects.filter(connection=connection, at__gte=start)
        .order_by("at", "id")
        .values_list("at", "from_status", "to_status")[:2000]
    )
    begin = max(start, connection.connected_at or connection.created_at)
    current = changes[0][1] if changes else connection.status
    spans: list[charts.Span] = []
    moment = begin
    for at, _, to_status in changes:
        if at > moment:
            spans.append(charts.Span(moment, at, current))
        moment, current = max(at, moment), to_status
    if now > moment:
        spans.append(charts.Span(moment, now, current))
    return spans


def connection_health_context(
    *, connection: Connection, now: datetime, checks_page: str | None = None
) -> dict[str, Any]:
    """Charts (timeline 30 d, latency 24 h and 7 d) and a page of recent checks."""
    start30 = now - timedelta(days=30)
    timeline = charts.timeline_chart(
        spans=_spans(connection, start=start30, now=now),
        start=start30,
        end=now,
        title="Status over the last 30 days",
    )
    recent = list(
        Check.objects.filter(connection=connection, checked_at__gte=now - timedelta(days=1))
        .order_by("checked_at")
        .values_list("checked_at", "latency_ms")[:2000]
    )
    latency_day = charts.line_chart(
        series=[charts.Series("latency", [(at, ms) for at, ms in recent])],
        start=now - timedelta(days=1),
        end=now,
        title="Check latency over the last 24 hours (ms)",
        unit=" ms",
    )
    days = list(
        CheckDaily.objects.filter(connection=connection, day__gt=(now - timedelta(days=7)).date())
        .order_by("day")
        .values_list("day", "latency_p50_ms", "latency_p95_ms")
    )
    moments = [(datetime.combine(d, datetime.min.time(), tzinfo=now.tzinfo), a, b)
               for d, a, b in days]  # fmt: skip
    latency_week = charts.line_chart(
        series=[
            charts.Series("p50", [(m, a) for m, a, _ in moments], "chart-line"),
            charts.Series("p95", [(m, b) for m, _, b in moments], "chart-line-alt"),
        ],
        start=now - timedelta(days=7),
        end=now,
        title="Daily check latency over the last 7 days (ms)",
        unit=" ms",
    )
    checks = Paginator(
        Check.objects.filter(connection=connection).order_by("-checked_at", "-id"),
        CHECKS_PER_PAGE,
    ).get_page(checks_page)
    uptime = uptimes([connection.pk], now=now)[connection.pk]
    return {
        "health_timeline": timeline,
        "health_latency_day": latency_day,
        "health_latency_week": latency_week,
        "health_checks": checks,
        "health_uptime": uptime,
    }
