"""Mounted at /api/v1/ by portal/urls.py: the API, its OpenAPI document and our docs page."""

from __future__ import annotations

from django.urls import path

from connectors.api import views
from connectors.api.endpoints import api

urlpatterns = [
    path("docs/", views.api_docs, name="api_docs"),
    path("", api.urls),
]
