"""The operators' cross-tenant dashboard at /ops/: Django staff only, read-only.

Everyone else gets 404, so the pages' existence is not revealed. Lists take the same
filters as their CSV export; the dashboard body refreshes itself through htmx.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from connectors.health.outcomes import STATUSES
from connectors.models import Connection
from connectors.ops import charts, selectors, tables
from connectors.ops.health import connection_health_context
from connectors.ops.incidents import incidents_open_banners
from portal.services.heartbeat import heartbeat_get

PER_PAGE = 50
MAX_TEAMS_PAGE = 100_000  # past any real fleet; keeps OFFSET inside a bigint
CACHE_KEY = "ops:dashboard:v1"
CSV_LIMIT = 100_000  # an export is bounded too: it streams, but never without end


def staff_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper


def _charts(now: Any) -> dict[str, Any]:
    day = selectors.ops_throughput(since=now - timedelta(days=1))
    hour = [b for b in day.buckets if b[0] >= now - timedelta(hours=1)]
    start_day, start_hour = now - timedelta(days=1), now - timedelta(hours=1)

    def latency(buckets: list[Any], start: Any, title: str) -> Any:
        return charts.line_chart(
            series=[
                charts.Series("p50", [(b[0], b[2]) for b in buckets], "chart-line"),
                charts.Series("p95", [(b[0], b[3]) for b in buckets], "chart-line-alt"),
            ],
            start=start, end=now, title=title, unit=" ms",
        )  # fmt: skip

    def throughput(buckets: list[Any], start: Any, title: str) -> Any:
        return charts.bar_chart(
            points=[(b[0], b[1]) for b in buckets], start=start, end=now,
            step_seconds=300, title=title, unit="/min",
        )  # fmt: skip

    return {
        "chart_throughput_hour": throughput(hour, start_hour, "Checks per minute, last hour"),
        "chart_throughput_day": throughput(day.buckets, start_day, "Checks per minute, last day"),
        "chart_latency_hour": latency(hour, start_hour, "Check latency, last hour"),
        "chart_latency_day": latency(day.buckets, start_day, "Check latency, last day"),
        "checks_day": day.checks,
    }


def _dashboard_context(now: Any) -> dict[str, Any]:
    """The dashboard's figures, shared by every staff viewer for OPS_CACHE_SECONDS.

    Many operators with the page open each poll every 15 s; the aggregates over the
    whole fleet are computed once per window instead of once per poll.
    """
    seconds = int(getattr(settings, "OPS_CACHE_SECONDS", 10))
    if seconds <= 0:
        return {**_dashboard_figures(now), **_liveness(now)}
    cached: dict[str, Any] | None = cache.get(CACHE_KEY)
    if cached is None:
        cached = _dashboard_figures(now)
        cache.set(CACHE_KEY, cached, seconds)
    # Liveness and incidents are never cached: they must show the moment they change.
    return {**cached, **_liveness(now)}


def _liveness(now: Any) -> dict[str, Any]:
    """Ages (whole seconds) of the last beat tick and worker heartbeat, and whether stale.

    Beat ticks every HEARTBEAT_INTERVAL seconds; three missed ticks mean it has stopped
    (or no worker runs the heartbeat). "0 minutes ago" would hide that, so show seconds.
    """
    beat = heartbeat_get()
    limit = 3 * int(getattr(settings, "HEARTBEAT_INTERVAL", 15))

    def age(moment: Any) -> int | None:
        return max(int((now - moment).total_seconds()), 0) if moment else None

    beat_age, worker_age = age(beat.beat_sent_at), age(beat.worker_ran_at)
    return {
        "incidents": incidents_open_banners(),
        "heartbeat": beat,
        "beat_age": beat_age,
        "beat_stale": beat_age is not None and beat_age > limit,
        "worker_age": worker_age,
        "worker_stale": worker_age is not None and worker_age > limit,
    }


def _dashboard_figures(now: Any) -> dict[str, Any]:
    totals = selectors.ops_totals()
    broken = selectors.ops_broken_longest()
    transitions = selectors.ops_transitions_recent()
    team_rows = selectors.ops_team_rows(limit=15)
    links = tables.Links.make()
    hour, day = selectors.ops_latency(
        (now - timedelta(hours=1), now, 12), (now - timedelta(days=1), now, 24)
    )
    return {
        "now": now,
        "totals": totals,
        "broken": broken,
        "broken_rows": tables.broken_rows(broken, now=now, links=links),
        "transitions": transitions,
        "transition_items": tables.transition_items(transitions, now=now, links=links),
        "team_rows": team_rows,
        "team_rows_html": tables.team_rows(team_rows, links=links),
        "lag": selectors.ops_check_lag(now=now, active=totals.active),
        "configuration_problems": selectors.ops_configuration_problems(),
        "latency_hour": hour,
        "latency_day": day,
        **_charts(now),
    }


@require_GET
@staff_only
def ops_dashboard(request: HttpRequest) -> HttpResponse:
    context = _dashboard_context(timezone.now())
    if request.headers.get("HX-Request") and request.GET.get("part") == "body":
        return render(request, "ops/_dashboard_body.html", context)
    return render(request, "ops/dashboard.html", context)


def _csv(filename: str, header: list[str], rows: Iterator[list[Any]]) -> StreamingHttpResponse:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            # A leading =, +, - or @ would run as a formula in a spreadsheet.
            yield writer.writerow(
                ["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


@require_GET
@staff_only
def ops_connections(request: HttpRequest) -> HttpResponseBase:
    filters = selectors.ConnectionFilters.from_query(request.GET)
    rows = selectors.connections_filtered(filters).order_by("status_since", "id")
    if request.GET.get("format") == "csv":
        header = ["id", "team", "workspace", "workspace_id", "provider", "region", "status",
                  "status_since", "reason", "last_checked_at", "last_latency_ms"]  # fmt: skip
        data = (
            [c.pk, c.team.slug, c.workspace_name, c.external_id, c.provider, c.region, c.status,
             _iso(c.status_since), c.status_reason, _iso(c.last_checked_at), c.last_latency_ms]
            for c in rows[:CSV_LIMIT].iterator(chunk_size=2000)
        )  # fmt: skip
        return _csv("connections.csv", header, data)
    # The count is what makes a list honest ("12 of 100,000"): the fleet tally knows it
    # for status, provider and region filters; other filters take one COUNT.
    paginator = Paginator(rows, PER_PAGE)
    known = selectors.tally_count(filters)
    if known is not None:
        paginator.count = known
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "query": filters.as_query(),
        "statuses": STATUSES,
    }
    return render(request, "ops/connections.html", context)


@require_GET
@staff_only
def ops_teams(request: HttpRequest) -> HttpResponseBase:
    q = selectors.query_text(request.GET, "q")
    if request.GET.get("format") == "csv":
        header = ["team", "slug", "connections", "failing", "revoked", "last_status_change"]
        found = selectors.ops_team_rows(q=q, limit=CSV_LIMIT)
        data = (
            [r["team"].name, r["team"].slug, r["connections"], r["failing"], r["revoked"],
             _iso(r["last_change"])]
            for r in found
        )  # fmt: skip
        return _csv("teams.csv", header, data)
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    number = min(number, MAX_TEAMS_PAGE)  # a huge page would overflow the SQL OFFSET
    rows = selectors.ops_team_rows(q=q, limit=PER_PAGE + 1, offset=(number - 1) * PER_PAGE)
    context = {
        "q": q,
        "rows": rows[:PER_PAGE],
        "rows_html": tables.team_rows(rows[:PER_PAGE], links=tables.Links.make()),
        "number": number,
        "has_next": len(rows) > PER_PAGE,
    }
    return render(request, "ops/teams.html", context)


@require_GET
@staff_only
def ops_transitions(request: HttpRequest) -> HttpResponseBase:
    rows = selectors.ops_transitions_recent(limit=1000)
    header = ["at", "team", "workspace", "workspace_id", "from", "to", "reason"]
    data = (
        [_iso(t.at), t.team.slug, t.connection.workspace_name, t.connection.external_id,
         t.from_status, t.to_status, t.reason]
        for t in rows
    )  # fmt: skip
    return _csv("transitions.csv", header, data)


@require_GET
@staff_only
def ops_connection(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Read-only drill-down: identity, status, charts, checks. Never a token."""
    connection = get_object_or_404(
        Connection.objects.select_related("team", "app", "connected_by"), pk=connection_id
    )
    now = timezone.now()
    context = {
        "connection": connection,
        "transitions": connection.transitions.order_by("-at", "-id")[:20],
        **connection_health_context(
            connection=connection, now=now, checks_page=request.GET.get("checks_page")
        ),
    }
    return render(request, "ops/connection.html", context)
