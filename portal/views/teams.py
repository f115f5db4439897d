"""Team pages: create, overview, settings, delete."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.text import Truncator
from django.utils.timezone import get_current_timezone, localtime
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from connectors.health.outcomes import Status
from connectors.models import App
from portal.forms import TeamCreateForm, TeamSettingsForm
from portal.models import Team, User
from portal.ops import health
from portal.reauth import reauth_required
from portal.roles import Perm, role_allows
from portal.services import teams as team_services
from portal.tenancy import current_membership, team_view
from portal.timetext import since_text

_TENTH = Decimal("0.1")


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _role(request: HttpRequest) -> str:
    membership = current_membership(request)
    assert membership is not None
    return membership.role


@login_required
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = team_services.team_create(
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                owner=_actor(request),
                request=request,
            )
        except team_services.TeamError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Team “{team.name}” created. Invite your colleagues next.")
            return redirect("team_overview", team_slug=team.slug)
    return render(request, "portal/team_create.html", {"form": form})


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
    role = _role(request)
    return render(
        request,
        "portal/team_overview.html",
        {
            "team": team,
            "membership": current_membership(request),
            "tiles": tiles,
            "filters": filters,
            "query": filters.as_query(),
            "page": page,
            "rows": _overview_rows(team, connections, apps, uptime, now=now),
            "apps": apps.values(),
            "statuses": health.STATUSES,
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
    checked: str  # "" when never checked
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
                checked=since_text(checked, now, language) if checked else "",
                latency="—" if c["last_latency_ms"] is None else f"{c['last_latency_ms']} ms",
                uptime=percents(uptime[c["id"]]),
                reconnect=app[0] if app and status == Status.REVOKED else "",
            )
        )
    return rows


@team_view(perm=Perm.TEAM_MANAGE)
def team_settings(request: HttpRequest, team: Team) -> HttpResponse:
    role = _role(request)
    form = TeamSettingsForm(
        request.POST or None, initial={"name": team.name, "require_mfa": team.require_mfa}
    )
    may_require_mfa = role_allows(role, Perm.OWNERS_MANAGE)
    if not may_require_mfa:
        form.fields["require_mfa"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            team_services.team_update(
                team=team,
                actor=_actor(request),
                actor_role=role,
                name=form.cleaned_data["name"],
                require_mfa=form.cleaned_data["require_mfa"],
                request=request,
            )
        except team_services.TeamError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Team settings saved.")
            return redirect("team_settings", team_slug=team.slug)
    return render(
        request,
        "portal/team_settings.html",
        {
            "team": team,
            "form": form,
            "may_delete": role_allows(role, Perm.TEAM_DELETE),
        },
    )


@team_view(perm=Perm.TEAM_DELETE)
@reauth_required
def team_delete(request: HttpRequest, team: Team) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("confirm", "").strip() != team.slug:
            messages.error(request, f"Type the team's address “{team.slug}” to confirm.")
            return redirect("team_delete", team_slug=team.slug)
        name = team.name
        team_services.team_delete(team=team, actor=_actor(request), request=request)
        messages.success(request, f"Team “{name}” and everything it held were deleted.")
        return redirect("home")
    return render(request, "portal/team_delete.html", {"team": team})


@team_view
@require_POST
def team_leave(request: HttpRequest, team: Team) -> HttpResponse:
    membership = current_membership(request)
    assert membership is not None
    try:
        team_services.membership_remove(
            membership=membership,
            actor=_actor(request),
            actor_role=membership.role,
            request=request,
        )
    except team_services.TeamError as exc:
        messages.error(request, exc.message)
        return redirect("team_members", team_slug=team.slug)
    messages.success(request, f"You left {team.name}.")
    return redirect("home")
