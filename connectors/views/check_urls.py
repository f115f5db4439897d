""" "Check now" (team-scoped): /t/<team_slug>/connections/<id>/check/...

POST queues one high-priority check and answers an htmx fragment that polls the status
route until the check is recorded and, after a dead-token answer, until its confirming
retry has settled the status; then the fragment shows the result and tells the page
(the `connection-checked` event) to refresh its details and history. No full reload.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone

from connectors.engine.checknow import BROKER_DOWN, check_now_done, check_now_request
from connectors.models import Connection
from portal.models import Team
from portal.roles import Perm
from portal.tenancy import team_object_or_404, team_view

# Past this, polling stops and the fragment says the workers seem busy or down.
GIVE_UP_AFTER = timedelta(seconds=60)


def _fragment(
    request: HttpRequest, team: Team, connection: Connection, *, message: str = ""
) -> HttpResponse:
    recorded = check_now_done(connection)
    requested = connection.check_requested_at
    late = requested is not None and timezone.now() - requested > GIVE_UP_AFTER
    # A retry that keeps answering transiently leaves the confirmation pending: past the
    # limit the status as it stands is the answer.
    confirming = recorded and connection.pending_confirmation and not late
    stalled = not recorded and late
    settled = recorded and not confirming and not message
    context = {
        "team": team,
        "connection": connection,
        "checking": not recorded and not stalled and not message,
        "confirming": confirming and not message,
        "stalled": stalled,
        "message": message,
    }
    response = render(request, "connectors/_check_now_status.html", context)
    if settled:
        response["HX-Trigger"] = "connection-checked"
    return response


@team_view(Perm.CONNECTIONS_CONNECT)
def connection_check_now(request: HttpRequest, connection_id: int, team: Team) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    connection = team_object_or_404(team, Connection, pk=connection_id)
    from connectors.tasks import enqueue_check_now

    asked = check_now_request(connection=connection, enqueue=enqueue_check_now)
    message = BROKER_DOWN if asked.state == "broker_down" else ""
    if not request.headers.get("HX-Request"):
        # Without htmx (no JS): back to the page, which shows the status as it stands.
        if message:
            messages.warning(request, message)
        return redirect("connection_detail", team_slug=team.slug, connection_id=connection.pk)
    response = _fragment(request, team, connection, message=message)
    if asked.state == "broker_down":
        response.status_code = 200  # htmx swaps only 2xx answers; the text says what failed
    return response


@team_view
def connection_check_status(request: HttpRequest, connection_id: int, team: Team) -> HttpResponse:
    connection = team_object_or_404(team, Connection, pk=connection_id)
    return _fragment(request, team, connection)


urlpatterns: list[URLPattern] = [
    path(
        "connections/<int:connection_id>/check/",
        connection_check_now,
        name="connection_check_now",
    ),
    path(
        "connections/<int:connection_id>/check/status/",
        connection_check_status,
        name="connection_check_status",
    ),
]
