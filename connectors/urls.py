"""The connectors' team routes, mounted under /t/<team_slug>/ by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from connectors.views.app_urls import urlpatterns as app_urlpatterns
from connectors.views.check_urls import urlpatterns as check_urlpatterns
from connectors.views.connection_urls import urlpatterns as connection_urlpatterns
from connectors.views.overview import team_overview

urlpatterns = [
    path("", team_overview, name="team_overview"),
    *app_urlpatterns,
    *connection_urlpatterns,
    *check_urlpatterns,
]
