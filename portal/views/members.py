"""The members page: list, change roles, remove."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal.forms import RoleForm
from portal.models import Membership, Team, User
from portal.roles import Perm, Role, assignable_roles, role_allows
from portal.services import teams as team_services
from portal.tenancy import current_membership, team_object_or_404, team_view


def _me(request: HttpRequest) -> tuple[User, Membership]:
    membership = current_membership(request)
    assert isinstance(request.user, User)
    assert membership is not None
    return request.user, membership


@team_view
def team_members(request: HttpRequest, team: Team) -> HttpResponse:
    _user, me = _me(request)
    members = Membership.objects.filter(team=team).select_related("user").order_by("user__email")
    may_manage = role_allows(me.role, Perm.MEMBERS_MANAGE)
    may_manage_owners = role_allows(me.role, Perm.OWNERS_MANAGE)
    rows = [
        {
            "membership": m,
            "editable": may_manage and (may_manage_owners or m.role != Role.OWNER),
            "form": RoleForm(initial={"role": m.role}, roles=assignable_roles(me.role)),
        }
        for m in members
    ]
    return render(
        request,
        "portal/team_members.html",
        {"team": team, "rows": rows, "me": me, "may_invite": may_manage},
    )


@team_view(perm=Perm.MEMBERS_MANAGE)
@require_POST
def team_member_role(request: HttpRequest, team: Team, membership_id: int) -> HttpResponse:
    user, me = _me(request)
    membership = team_object_or_404(
        team, Membership.objects.select_related("user"), pk=membership_id
    )
    form = RoleForm(request.POST, roles=list(Role))
    if not form.is_valid():
        messages.error(request, "Choose one of the roles: owner, admin, member or viewer.")
        return redirect("team_members", team_slug=team.slug)
    try:
        team_services.membership_change_role(
            membership=membership,
            role=form.cleaned_data["role"],
            actor=user,
            actor_role=me.role,
            request=request,
        )
    except team_services.TeamError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user.email} is now {form.cleaned_data['role']}.")
    return redirect("team_members", team_slug=team.slug)


@team_view(perm=Perm.MEMBERS_MANAGE)
@require_POST
def team_member_remove(request: HttpRequest, team: Team, membership_id: int) -> HttpResponse:
    user, me = _me(request)
    membership = team_object_or_404(
        team, Membership.objects.select_related("user"), pk=membership_id
    )
    email = membership.user.email
    try:
        team_services.membership_remove(
            membership=membership, actor=user, actor_role=me.role, request=request
        )
    except team_services.TeamError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{email} was removed from {team.name}.")
        if membership.user_id == user.pk:
            return redirect("home")
    return redirect("team_members", team_slug=team.slug)
