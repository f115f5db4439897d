"""`{% connection_health connection %}`: a connection's charts and paginated checks.

An inclusion tag, so a page only needs one line in its template to show the health
history; it reads `?checks_page=` from the request for the checks' pagination.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from connectors.models import Connection
from connectors.ops.health import connection_health_context

register = template.Library()


@register.inclusion_tag("dashboards/_connection_health.html", takes_context=True)
def connection_health(context: dict[str, Any], connection: Connection) -> dict[str, Any]:
    request = context.get("request")
    page = request.GET.get("checks_page") if request is not None else None
    return connection_health_context(connection=connection, now=timezone.now(), checks_page=page)
