"""Template context the connectors add to every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from connectors.providers import provider_all


def sandboxes(request: HttpRequest) -> dict[str, Any]:
    return {"SANDBOX_LINKS": sandbox_links() if settings.SANDBOX_ENABLED else []}


def sandbox_links() -> list[tuple[str, str]]:
    """(label, URL) of each registered provider's sandbox, for the navigation."""
    links = []
    for spec in provider_all():
        if spec.sandbox_url_name:
            try:
                links.append((f"{spec.name} sandbox", reverse(spec.sandbox_url_name)))
            except NoReverseMatch:
                continue
    return links
