"""The portal's URLs plus one route that fails, to see the 500 page as production shows it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import handler500
from portal.urls import urlpatterns as portal_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *portal_urlpatterns]
__all__ = ["handler500", "urlpatterns"]
