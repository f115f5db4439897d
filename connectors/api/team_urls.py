"""Mounted under /t/<team_slug>/api-keys/ by portal/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from connectors.api import views

urlpatterns: list[URLPattern] = [
    path("", views.apikey_list, name="apikey_list"),
    path("new/", views.apikey_new, name="apikey_new"),
    path("<int:api_key_id>/revoke/", views.apikey_revoke_view, name="apikey_revoke"),
]
