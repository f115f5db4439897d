"""The tenancy gate: the only way a view gets its team and the team's objects.

Outsiders get 404 (a team's existence is never revealed); members whose role is too
low get 403 with a message; members of a team that requires MFA are sent to set it up.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from portal.models import Membership, Team
from portal.roles import Perm, Role, role_allows, roles_allowed

M = TypeVar("M", bound=models.Model)


def _denied_message(role: str, perm: str) -> str:
    names = [r.label.lower() + "s" for r in roles_allowed(perm)]
    allowed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return (
        f"Your role in this team ({Role(role).label.lower()}) can't do this. "
        f"Only {allowed} can. Ask one of the team's owners or admins if you need it."
    )


def team_for_request(request: HttpRequest, team_slug: str, perm: str = Perm.TEAM_VIEW) -> Team:
    """The team named in the URL, if the signed-in user belongs to it and may do `perm`.

    Sets `request.team` and `request.membership` for templates and later code.
    """
    user = request.user
    if not user.is_authenticated:
        raise Http404("No such team.")
    membership = (
        Membership.objects.select_related("team").filter(team__slug=team_slug, user=user).first()
    )
    if membership is None:
        raise Http404("No such team.")
    team = membership.team
    request.team = team  # type: ignore[attr-defined]
    request.membership = membership  # type: ignore[attr-defined]
    if team.require_mfa and not is_mfa_enabled(user):
        messages.warning(
            request,
            f"{team.name} requires two-factor authentication. "
            "Set up an authenticator app or a security key, then go back to the team.",
        )
        raise ImmediateHttpResponse(redirect("mfa_index"))
    if not role_allows(membership.role, perm):
        raise PermissionDenied(_denied_message(membership.role, perm))
    return team


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership the gate found for this request, if it ran."""
    return cast("Membership | None", getattr(request, "membership", None))


def team_object_or_404(
    team: Team,
    model_or_queryset: type[M] | models.QuerySet[M],
    *,
    team_field: str = "team",
    **lookup: Any,
) -> M:
    """The object matching `lookup` only if it belongs to `team`; otherwise 404.

    `team_field` reaches the team through relations, e.g. "connection__team".
    """
    if isinstance(model_or_queryset, models.QuerySet):
        queryset = model_or_queryset
    else:
        queryset = model_or_queryset._default_manager.all()
    try:
        return queryset.filter(**{team_field: team}).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError) as exc:
        # A malformed id (e.g. "abc" for an integer pk) is just another missing object.
        raise Http404("No such object in this team.") from exc


V = TypeVar("V", bound=Callable[..., HttpResponse])


def team_view(perm: str | Callable[..., HttpResponse] = Perm.TEAM_VIEW) -> Any:
    """Decorate a function view whose URL has `team_slug`; the view receives `team` instead.

    Use as `@team_view(perm="members.manage")` (or bare `@team_view` for team.view).
    Anonymous visitors go to the sign-in page whatever the slug, which reveals nothing.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(
            request: HttpRequest, team_slug: str, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            team = team_for_request(request, team_slug, perm=needed)
            return view(request, *args, team=team, **kwargs)

        wrapper.team_perm = needed  # type: ignore[attr-defined]
        return wrapper

    if callable(perm):  # used bare: @team_view
        needed: str = Perm.TEAM_VIEW
        return decorator(perm)
    needed = perm
    return decorator
