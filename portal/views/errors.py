"""The 500 page: Django's own handler renders it without any context; this one gives it
the portal's name, and nothing that could fail again (no database, no request context)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string


def server_error(request: HttpRequest) -> HttpResponse:
    html = render_to_string("500.html", {"PORTAL_NAME": settings.PORTAL_NAME})
    return HttpResponseServerError(html)
