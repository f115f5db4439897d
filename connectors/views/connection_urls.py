"""Routes of connections (team-scoped): /t/<team_slug>/connections/..."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
