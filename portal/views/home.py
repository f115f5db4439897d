from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.forms import TeamCreateForm
from portal.models import User
from portal.services.teams import landing_url, teams_for_user


def home(request: HttpRequest) -> HttpResponse:
    """Signed-in people land in their team, or choose one, or are led to create one."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    assert isinstance(request.user, User)
    memberships = teams_for_user(request.user)
    if not memberships:
        return redirect(landing_url(request.user))
    if len(memberships) == 1:
        return redirect("team_overview", team_slug=memberships[0].team.slug)
    return render(request, "portal/home.html", {"memberships": memberships})


@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    """Where a person with no team starts: create a team or accept an invitation."""
    return render(request, "portal/onboarding.html", {"form": TeamCreateForm()})
