"""Team pages: create, settings, delete, leave (the overview is connectors.views.overview)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal.forms import TeamCreateForm, TeamSettingsForm
from portal.models import Team, User
from portal.reauth import reauth_required
from portal.roles import Perm, role_allows
from portal.services import teams as team_services
from portal.tenancy import current_membership, team_view


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
