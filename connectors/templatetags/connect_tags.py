"""Template helpers for connect actions on an app's page."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from connectors.models import App, AppKind
from connectors.views.hooks import uninstall_hook_url
from portal.roles import Perm, role_allows
from portal.tenancy import current_membership

register = template.Library()


@register.simple_tag(takes_context=True)
def connect_actions(context: dict[str, Any], app: App) -> dict[str, Any]:
    """What the app page offers: Connect, Add by token, and the uninstall hook URL."""
    request: HttpRequest | None = context.get("request")
    membership = current_membership(request) if request is not None else None
    may = membership is not None and role_allows(membership.role, Perm.CONNECTIONS_CONNECT)
    spec = app.spec
    return {
        "may_connect": may,
        "oauth": spec.connects_by_oauth and app.kind != AppKind.INTERNAL,
        "uninstall_url": uninstall_hook_url(app) if spec.takes_uninstall_notices else "",
    }
