"""Routes of the operators' dashboard, mounted at /ops/."""

from __future__ import annotations

from django.urls import URLPattern, path

from connectors.ops import metrics, views

urlpatterns: list[URLPattern] = [
    path("", views.ops_dashboard, name="ops_dashboard"),
    path("connections/", views.ops_connections, name="ops_connections"),
    path("connections/<int:connection_id>/", views.ops_connection, name="ops_connection"),
    path("teams/", views.ops_teams, name="ops_teams"),
    path("transitions.csv", views.ops_transitions, name="ops_transitions_csv"),
]

# /metrics lives at the site root (Prometheus' convention), not under /ops/.
metrics_urlpatterns: list[URLPattern] = [path("metrics", metrics.metrics_view, name="metrics")]
