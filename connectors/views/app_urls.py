"""Routes of registered apps (team-scoped): /t/<team_slug>/apps/..."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
