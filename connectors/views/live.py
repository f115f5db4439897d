"""Live team pages: a region of the page polls its own URL with `part=live` through htmx."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

# How often an open team page refreshes itself, like /ops/ does.
LIVE_SECONDS = 15


def live_seconds() -> int:
    """LIVE_SECONDS, or the LIVE_REFRESH_SECONDS setting where one is made (tests)."""
    return int(getattr(settings, "LIVE_REFRESH_SECONDS", LIVE_SECONDS))


def live_url(request: HttpRequest) -> str:
    """This page's URL with its filters, asking for the live part only."""
    query = request.GET.copy()
    query["part"] = "live"
    return f"{request.path}?{query.urlencode()}"


def wants_live_part(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request")) and request.GET.get("part") == "live"
