from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from portal.views import home, probes

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", probes.healthz, name="healthz"),
    path("readyz", probes.readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
