"""The team's audit page: filterable and paginated, read-only."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.forms import AuditFilterForm
from portal.models import AuditEvent, Team
from portal.roles import Perm
from portal.tenancy import team_view

PAGE_SIZE = 50


@team_view(perm=Perm.AUDIT_VIEW)
def team_audit(request: HttpRequest, team: Team) -> HttpResponse:
    events = AuditEvent.objects.filter(team=team)
    actions = sorted(set(events.values_list("action", flat=True)))
    form = AuditFilterForm(request.GET or None, actions=actions)
    if form.is_valid():
        if action := form.cleaned_data["action"]:
            events = events.filter(action=action)
        if actor := form.cleaned_data["actor"].strip():
            events = events.filter(actor_email__icontains=actor)
        if target_type := form.cleaned_data["target_type"].strip():
            events = events.filter(target_type__icontains=target_type)
    page = Paginator(events.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/team_audit.html",
        {"team": team, "form": form, "page": page, "query": query.urlencode()},
    )
