from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "SANDBOX_ENABLED": settings.SANDBOX_ENABLED,
        "DEBUG_MODE": settings.DEBUG,
    }


def team_nav(request: HttpRequest) -> dict[str, Any]:
    """The team switcher and the current team's links, for base.html's navigation.

    `current_team` is only set on pages that went through the tenancy gate.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from portal.services.teams import teams_for_user  # models are not ready at import time

    return {
        "current_team": getattr(request, "team", None),
        "current_membership": getattr(request, "membership", None),
        "my_memberships": teams_for_user(user),
    }
