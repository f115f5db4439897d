"""Provider notifications (not team-scoped), mounted at /hooks/ by portal/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from connectors.views import hooks

urlpatterns: list[URLPattern] = [
    path(
        "<str:provider_key>/<str:app_public_id>/uninstall",
        hooks.uninstall,
        name="hook_uninstall",
    ),
]
