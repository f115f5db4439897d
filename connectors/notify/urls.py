"""Mounted under /t/<team_slug>/notifications/ by portal/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from connectors.notify import views

urlpatterns: list[URLPattern] = [
    path("", views.notify_settings, name="notify_settings"),
    path("log/", views.notify_log, name="notify_log"),
    path("webhooks/new/", views.notify_endpoint_new, name="notify_endpoint_new"),
    path("webhooks/<int:endpoint_id>/", views.notify_endpoint_edit, name="notify_endpoint_edit"),
    path(
        "webhooks/<int:endpoint_id>/delete/",
        views.notify_endpoint_delete,
        name="notify_endpoint_delete",
    ),
    path(
        "webhooks/<int:endpoint_id>/test/", views.notify_endpoint_test, name="notify_endpoint_test"
    ),
]
