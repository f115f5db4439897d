"""Connection pages: start a connect, add by token, a connection's page, disconnect."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from allauth.socialaccount.adapter import get_adapter
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from connectors.engine.decide import recheck_of
from connectors.health.outcomes import Status
from connectors.models import App, AppKind, Connection
from connectors.ops.incidents import incidents_for_connection
from connectors.providers import provider_find
from connectors.services.connections import (
    TokenRejected,
    connection_add_by_token,
    connection_capabilities,
    connection_disconnect,
    connection_revokes_on_disconnect,
)
from connectors.views.live import live_seconds, live_url, wants_live_part
from portal.models import AuditEvent, Team
from portal.roles import Perm, role_allows
from portal.secrets import SecretFormField
from portal.tenancy import current_membership, team_object_or_404, team_view
from portal.timetext import since_text

RECENT = 20


class AddTokenForm(forms.Form):
    token = SecretFormField(label="Access token", min_length=8)

    def __init__(self, *args: Any, console_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].help_text = (
            f"Paste the access token from the app's page in the provider's {console_name}. "
            "It is checked, then stored encrypted."
        )


def app_page_url(team: Team, app: App) -> str:
    """The app's page if the app pages are installed, else the team's overview."""
    try:
        return reverse(
            "app_detail", kwargs={"team_slug": team.slug, "app_public_id": app.public_id}
        )
    except NoReverseMatch:
        return reverse("team_overview", kwargs={"team_slug": team.slug})


@team_view(Perm.CONNECTIONS_CONNECT)
def connection_connect_start(request: HttpRequest, app_public_id: str, team: Team) -> HttpResponse:
    """POST: start the provider's OAuth dance for this app (members and above)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    app = team_object_or_404(team, App, public_id=app_public_id)
    spec = app.spec
    back = app_page_url(team, app)
    if app.kind == AppKind.INTERNAL:
        messages.info(request, "An internal integration connects with its access token.")
        return redirect("connection_add_token", team_slug=team.slug, app_public_id=app.public_id)
    if not spec.connects_by_oauth:
        messages.error(request, f"{spec.name} apps cannot be connected by OAuth: add a token.")
        return redirect(back)
    if not app.client_id or not app.client_secret:
        messages.error(
            request,
            "This app has no client ID or client secret yet. An admin should paste both "
            f"from {spec.name}'s {spec.console_name} into the app's settings, then connect.",
        )
        return redirect(back)
    if spec.region(app.region) is None:
        messages.error(
            request,
            f"This app's region ({app.region}) is not available here. An admin should "
            "choose its region again in the app's settings.",
        )
        return redirect(back)
    provider = get_adapter(request).get_provider(request, spec.subprovider_id(app.public_id))
    response: HttpResponse = provider.redirect(
        request, process="redirect", data={"team": team.pk, "app": app.pk}
    )
    return response


@team_view(Perm.CONNECTIONS_CONNECT)
def connection_add_token(request: HttpRequest, app_public_id: str, team: Team) -> HttpResponse:
    """Connect a workspace by pasting an access token (internal integrations)."""
    app = team_object_or_404(team, App, public_id=app_public_id)
    form = AddTokenForm(request.POST or None, console_name=app.spec.console_name)
    if request.method == "POST" and form.is_valid():
        try:
            result = connection_add_by_token(
                team=team, app=app, token=form.cleaned_data["token"], actor=request.user,
                request=request,
            )  # fmt: skip
        except TokenRejected as rejected:
            form.add_error("token", rejected.message)
        else:
            if result.connection.capabilities_due_at is not None:
                from connectors.tasks import enqueue_capability_check

                enqueue_capability_check(result.connection.pk, "connect")
            name = result.connection.workspace_name or result.connection.external_id
            verb = "Reconnected" if result.reconnected else "Connected"
            messages.success(request, f"{verb} {name} with the pasted token.")
            if result.region_note:
                messages.warning(request, result.region_note)
            return redirect(
                "connection_detail", team_slug=team.slug, connection_id=result.connection.pk
            )
    context = {"team": team, "app": app, "form": form, "back_url": app_page_url(team, app)}
    return render(request, "connectors/connection_add_token.html", context,
                  status=400 if form.errors else 200)  # fmt: skip


def _permissions(request: HttpRequest) -> tuple[bool, bool]:
    membership = current_membership(request)
    role = membership.role if membership else ""
    return (
        role_allows(role, Perm.CONNECTIONS_CONNECT),
        role_allows(role, Perm.CONNECTIONS_DISCONNECT),
    )


@team_view
def connection_detail(request: HttpRequest, connection_id: int, team: Team) -> HttpResponse:
    """One connection: identity, status and why, recent checks and transitions, actions."""
    connection = team_object_or_404(
        team, Connection.objects.select_related("app", "connected_by"), pk=connection_id
    )
    may_connect, may_disconnect = _permissions(request)
    membership = current_membership(request)
    may_audit = membership is not None and role_allows(membership.role, Perm.AUDIT_VIEW)
    now = timezone.now()
    recheck = recheck_of(connection)
    context = {
        "team": team,
        "connection": connection,
        "transitions": connection.transitions.all()[:RECENT],
        # The trail names people and addresses: only those who may read the team's audit.
        "audit_events": AuditEvent.objects.filter(
            team=team, target_type="connectors.connection", target_id=str(connection.pk)
        ).select_related("actor")[:RECENT]
        if may_audit
        else None,
        "may_reconnect": may_connect and connection.app is not None,
        "may_disconnect": may_disconnect and connection.status != Status.DISCONNECTED,
        "is_disconnected": connection.status == Status.DISCONNECTED,
        "now": now,
        "incidents": incidents_for_connection(connection),
        "recheck": recheck,
        "recheck_in": _until_text(recheck.next_at, now) if recheck and recheck.next_at else "",
        "oob": wants_live_part(request),
        "live_url": live_url(request),
        "live_every": live_seconds(),
        "capabilities": connection_capabilities(connection),
    }
    if context["oob"]:
        return render(request, "connectors/_connection_live.html", context)
    return render(request, "connectors/connection_detail.html", context)


def _until_text(moment: datetime, now: datetime) -> str:
    """ "2 hours" until `moment`; "less than a minute" when it is due."""
    if moment - now < timedelta(minutes=1):
        return "less than a minute"
    return since_text(now, moment)


@team_view(Perm.CONNECTIONS_DISCONNECT)
def connection_disconnect_view(
    request: HttpRequest, connection_id: int, team: Team
) -> HttpResponse:
    """GET asks to confirm; POST revokes at the provider, wipes the token, keeps history."""
    connection = team_object_or_404(team, Connection, pk=connection_id)
    detail = redirect("connection_detail", team_slug=team.slug, connection_id=connection.pk)
    if connection.status == Status.DISCONNECTED:
        messages.info(request, "This connection is already disconnected.")
        return detail
    if request.method == "POST":
        outcome = connection_disconnect(connection=connection, actor=request.user, request=request)
        name = connection.workspace_name or connection.external_id
        if outcome.ok:
            messages.success(request, f"Disconnected {name}. {outcome.detail}")
        else:
            messages.warning(
                request,
                f"Disconnected {name} and wiped its token here, but revoking it at the "
                f"provider failed: {outcome.detail} Remove the app from the workspace in "
                "the provider's settings to be sure.",
            )
        return detail
    revokes = connection_revokes_on_disconnect(connection)
    spec = provider_find(connection.provider)
    context = {
        "team": team, "connection": connection, "revokes": revokes,
        "forgotten_message": "" if revokes or spec is None
        else spec.pasted_token_forgotten_message(),
    }  # fmt: skip
    return render(request, "connectors/connection_disconnect.html", context)
