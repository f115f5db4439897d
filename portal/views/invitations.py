"""Invitations: the team's list (invite, resend, revoke) and the invitee's accept page."""

from __future__ import annotations

import logging
import smtplib

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal.forms import InvitationForm
from portal.models import Invitation, Team, User
from portal.roles import Perm, assignable_roles
from portal.services import invitations as invitation_services
from portal.services.teams import TeamError
from portal.tenancy import current_membership, team_object_or_404, team_view

log = logging.getLogger(__name__)

_MAIL_FAILED = (
    "The invitation email could not be sent, so nothing was saved. "
    "Try again in a minute; if it keeps failing, ask an operator to check the mail settings."
)


def _actor_role(request: HttpRequest) -> tuple[User, str]:
    membership = current_membership(request)
    assert isinstance(request.user, User)
    assert membership is not None
    return request.user, membership.role


@team_view(perm=Perm.MEMBERS_MANAGE)
def team_invitations(request: HttpRequest, team: Team) -> HttpResponse:
    user, role = _actor_role(request)
    form = InvitationForm(request.POST or None, roles=assignable_roles(role))
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_services.invitation_create(
                team=team,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=user,
                inviter_role=role,
                request=request,
            )
        except TeamError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except (smtplib.SMTPException, OSError):
            log.exception("invitation email failed for team %s", team.pk)
            form.add_error(None, _MAIL_FAILED)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("team_invitations", team_slug=team.slug)
    invitations = Invitation.objects.filter(team=team).select_related("invited_by", "accepted_by")
    return render(
        request,
        "portal/team_invitations.html",
        {"team": team, "form": form, "invitations": invitations[:200]},
    )


@team_view(perm=Perm.MEMBERS_MANAGE)
@require_POST
def team_invitation_resend(request: HttpRequest, team: Team, invitation_id: int) -> HttpResponse:
    user, _role = _actor_role(request)
    invitation = team_object_or_404(team, Invitation, pk=invitation_id)
    try:
        invitation_services.invitation_resend(invitation=invitation, actor=user, request=request)
    except TeamError as exc:
        messages.error(request, exc.message)
    except (smtplib.SMTPException, OSError):
        log.exception("invitation email failed for team %s", team.pk)
        messages.error(request, _MAIL_FAILED)
    else:
        messages.success(
            request, f"A new link was sent to {invitation.email}; the old one no longer works."
        )
    return redirect("team_invitations", team_slug=team.slug)


@team_view(perm=Perm.MEMBERS_MANAGE)
@require_POST
def team_invitation_revoke(request: HttpRequest, team: Team, invitation_id: int) -> HttpResponse:
    user, _role = _actor_role(request)
    invitation = team_object_or_404(team, Invitation, pk=invitation_id)
    try:
        invitation_services.invitation_revoke(invitation=invitation, actor=user, request=request)
    except TeamError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The invitation for {invitation.email} was revoked.")
    return redirect("team_invitations", team_slug=team.slug)


def _problem(request: HttpRequest, problem: invitation_services.InvitationProblem) -> HttpResponse:
    status = 404 if problem.kind == "invalid" else 409 if problem.kind == "mismatch" else 410
    if problem.kind == "member":
        status = 200
    return render(
        request,
        "portal/invitation_problem.html",
        {
            "problem": problem,
            "team": problem.invitation.team
            if problem.invitation and problem.kind == "member"
            else None,
        },
        status=status,
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the invitation is for; POST (signed in, right email) joins the team."""
    try:
        invitation = invitation_services.invitation_for_token(token)
    except invitation_services.InvitationProblem as problem:
        return _problem(request, problem)
    if request.method == "POST" and request.user.is_authenticated:
        assert isinstance(request.user, User)
        try:
            membership = invitation_services.invitation_accept(
                token=token, user=request.user, request=request
            )
        except invitation_services.InvitationProblem as problem:
            return _problem(request, problem)
        messages.success(
            request, f"Welcome to {membership.team.name}. You joined as {membership.role}."
        )
        return redirect("team_overview", team_slug=membership.team.slug)
    return render(
        request,
        "portal/invitation_accept.html",
        {"invitation": invitation, "next_url": request.get_full_path()},
    )
