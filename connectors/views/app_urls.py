"""Routes of registered apps (team-scoped): /t/<team_slug>/apps/..."""

from __future__ import annotations

from django.urls import path

from connectors.views import apps

urlpatterns = [
    path("apps/", apps.app_list, name="app_list"),
    path("apps/new/", apps.app_new, name="app_new"),
    path("apps/<str:app_public_id>/", apps.app_detail, name="app_detail"),
    path("apps/<str:app_public_id>/edit/", apps.app_edit, name="app_edit"),
    path("apps/<str:app_public_id>/capabilities/", apps.app_capabilities, name="app_capabilities"),
    path("apps/<str:app_public_id>/secret/", apps.app_secret, name="app_secret"),
    path("apps/<str:app_public_id>/delete/", apps.app_delete, name="app_delete"),
]
