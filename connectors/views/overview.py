"""A team's overview: tiles by status, then its connections with uptime, filters and sorting."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.text import Truncator
from django.utils.timezone import get_current_timezone, localtime
from django.utils.translation import get_language

from connectors.health.outcomes import Status
from connectors.models import App
from connectors.ops import health
from connectors.ops.incidents import incidents_for_team
from connectors.views.live import live_seconds, live_url, wants_live_part
from portal.models import Team
from portal.roles import Perm, role_allows
from portal.tenancy import current_membership, team_view
from portal.timetext import ago_text, since_text

_TENTH = Decimal("0.1")


@team_view
def team_overview(request: HttpRequest, team: Team) -> HttpResponse:
    """Tiles by status, then the team's connections with uptime, filters and sorting."""
    filters = health.TeamFilters.from_query(request.GET)
    tiles = health.team_tiles(team)
    page = health.team_connection_page(
        team, filters, request.GET.get("page"), count=filters.count_from(tiles)
    )
    connections = list(page.object_list)
    now = timezone.now()
    uptime = health.uptimes([c["id"] for c in connections], now=now)
    apps = {
        pk: (public_id, name)
        for pk, public_id, name in App.objects.filter(team=team)
        .order_by("name")
        .values_list("pk", "public_id", "name")
    }
    membership = current_membership(request)
    assert membership is not None
    role = membership.role
    live = wants_live_part(request)
    return render(
        request,
        "connectors/_team_overview_live.html" if live else "connectors/team_overview.html",
        {
            "oob": live,
            "now": now,
            "live_url": live_url(request),
            "live_every": live_seconds(),
            "team": team,
            "incidents": [] if live else incidents_for_team(team),
            "membership": current_membership(request),
            "tiles": tiles,
            "filters": filters,
            "query": filters.as_query(),
            "page": page,
            "rows": _overview_rows(team, connections, apps, uptime, now=now),
            "apps": apps.values(),
            "statuses": [
                (health.ATTENTION, "needs attention"),
                *((s.value, s.value) for s in health.SEVERITY),
            ],
            "regions": health.team_regions(team),
            "may_connect": role_allows(role, Perm.CONNECTIONS_CONNECT),
        },
    )


class _OverviewRow(NamedTuple):
    href: str
    name: str
    app: str
    region: str
    status: str
    reason: str  # shown under the status badge, or ""
    since_iso: str  # "" when the status has no start
    since: str
    checked: str  # "just now", "<since> ago", or "" when never checked
    latency: str
    uptime: str
    reconnect: str  # the app's public id when the row offers to reconnect, or ""


def _overview_rows(
    team: Team,
    connections: list[dict[str, Any]],
    apps: dict[int, tuple[str, str]],
    uptime: dict[int, dict[str, float | None]],
    *,
    now: datetime,
) -> list[_OverviewRow]:
    """The texts of the overview's rows, made here once: a page holds 50 rows, and the
    same texts from template filters (`timesince`, `floatformat`, `{% url %}`...) took
    most of the page's rendering time.

    `apps` holds the team's apps (public id and name by pk); a row's app outside them
    (the portal never makes one) is looked up.
    """
    others = {c["app_id"] for c in connections} - apps.keys() - {None}
    if others:
        found = App.objects.filter(pk__in=others).values_list("pk", "public_id", "name")
        apps = {**apps, **{pk: (public_id, name) for pk, public_id, name in found}}
    # connection_detail's URL ends with the id: reverse it once, then add each row's id.
    detail = reverse("connection_detail", args=[team.slug, 0]).removesuffix("0/")
    point, language, zone = get_format("DECIMAL_SEPARATOR"), get_language(), get_current_timezone()

    def percents(values: dict[str, float | None]) -> str:
        # As floatformat:1 shows them: rounded half up from the float's shortest repr.
        return " / ".join(
            "—" if v is None
            else f"{Decimal(repr(v)).quantize(_TENTH, ROUND_HALF_UP)}%".replace(".", point)
            for v in values.values()
        )  # fmt: skip

    rows = []
    for c in connections:
        app = apps.get(c["app_id"])
        since, checked, status = c["status_since"], c["last_checked_at"], c["status"]
        reason = c["status_reason"] if status != Status.HEALTHY else ""
        rows.append(
            _OverviewRow(
                href=f"{detail}{c['id']}/",
                name=c["workspace_name"] or c["external_id"],
                app=(app[1] if app else "") or "(app deleted)",
                region=c["region"] or "—",
                status=status,
                reason=Truncator(reason).chars(90) if reason else "",
                since_iso=localtime(since, zone).isoformat() if since else "",
                since=since_text(since, now, language) if since else "",
                checked=ago_text(checked, now, language) if checked else "",
                latency="—" if c["last_latency_ms"] is None else f"{c['last_latency_ms']} ms",
                uptime=percents(uptime[c["id"]]),
                reconnect=app[0] if app and status == Status.REVOKED else "",
            )
        )
    return rows
