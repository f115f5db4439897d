"""allauth customisation: only through this adapter, never by forking its views."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from portal.models import Membership, User


def landing_url(user: User) -> str:
    """Where a signed-in person starts: their team, a choice of teams, or onboarding."""
    memberships = list(
        Membership.objects.filter(user=user).select_related("team").order_by("team__name")[:2]
    )
    if not memberships:
        return reverse("onboarding")
    if len(memberships) == 1:
        return reverse("team_overview", kwargs={"team_slug": memberships[0].team.slug})
    return reverse("home")


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # A `next` parameter (e.g. an invitation link) still wins; allauth checks it first.
        assert isinstance(request.user, User)
        return landing_url(request.user)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        if isinstance(request.user, User):
            return landing_url(request.user)
        return reverse("onboarding")
