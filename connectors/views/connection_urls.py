"""Routes of connections (team-scoped): /t/<team_slug>/connections/..."""

from __future__ import annotations

from django.urls import URLPattern, path

from connectors.views import connections

urlpatterns: list[URLPattern] = [
    path(
        "apps/<str:app_public_id>/connect/",
        connections.connection_connect_start,
        name="connection_connect",
    ),
    path(
        "apps/<str:app_public_id>/add-token/",
        connections.connection_add_token,
        name="connection_add_token",
    ),
    path(
        "connections/<int:connection_id>/", connections.connection_detail, name="connection_detail"
    ),
    path(
        "connections/<int:connection_id>/disconnect/",
        connections.connection_disconnect_view,
        name="connection_disconnect",
    ),
]
