"""The portal's SocialAccountAdapter: registered apps as hidden allauth sub-providers.

Connecting a workspace rides on allauth's OAuth machinery (state, CSRF, errors), but it
is never a login: `pre_social_login` turns the completed dance into a Connection and
answers with a redirect before allauth could log anyone in, create or link a user.
"""

from __future__ import annotations

from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.base import AuthError, AuthProcess
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from requests import RequestException

from connectors.health.outcomes import WorkspaceIdentity
from connectors.models import App
from connectors.oauth import DEFAULT_MESSAGES, TITLES, ConnectFailure, FailureKind, first_check_of
from connectors.providers import Provider, provider_all, provider_for_subprovider
from connectors.services.connections import connection_connect
from portal.models import Membership
from portal.roles import Perm, role_allows
from portal.secrets import Secret


def social_app_for(app: App) -> SocialApp:
    """An unsaved, hidden SocialApp carrying `app`'s decrypted credentials in memory only."""
    spec = app.spec
    secret = app.client_secret.reveal() if app.client_secret else ""
    return SocialApp(
        provider=spec.key,
        provider_id=spec.subprovider_id(app.public_id),
        name=app.name,
        client_id=app.client_id,
        secret=secret,
        settings={"hidden": True, "region": app.region, "public_id": app.public_id},
    )


def _oauth_specs() -> dict[str, Provider]:
    return {spec.key: spec for spec in provider_all() if spec.connects_by_oauth}


def _app_of(provider: Any) -> App | None:
    app = getattr(provider, "app", None)
    public_id = (getattr(app, "settings", None) or {}).get("public_id")
    if not public_id:
        return None
    return App.objects.select_related("team").filter(public_id=public_id).first()


def _may_connect(request: HttpRequest, app: App) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    membership = Membership.objects.filter(team=app.team, user=user).first()
    return membership is not None and role_allows(membership.role, Perm.CONNECTIONS_CONNECT)


def connect_failed_response(
    request: HttpRequest, kind: FailureKind, *, message: str = "", app: App | None = None
) -> HttpResponse:
    """Our failure page: what happened, what to do next, and Try again (a POST)."""
    retry = app if app is not None and _may_connect(request, app) else None
    context = {
        "title": TITLES[kind],
        "message": message or DEFAULT_MESSAGES[kind],
        "kind": kind.value,
        "app": retry,
        "team": retry.team if retry else None,
    }
    status = 200 if kind is FailureKind.DENIED else 400
    return render(request, "connectors/connect_failed.html", context, status=status)


def _failure_kind(error: Any, exception: Any, extra_context: dict[str, Any]) -> FailureKind:
    if isinstance(exception, ConnectFailure):
        return exception.kind
    if error == AuthError.CANCELLED:
        return FailureKind.DENIED
    if exception is None and "state" not in extra_context and "state_id" in extra_context:
        return FailureKind.STATE  # allauth found no matching state in this session
    if isinstance(exception, PermissionDenied):
        return FailureKind.STATE
    if isinstance(exception, OAuth2Error):
        return FailureKind.EXCHANGE_REFUSED
    if isinstance(exception, RequestException):
        return FailureKind.UNREACHABLE
    return FailureKind.UNKNOWN


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list[SocialApp]:
        apps: list[SocialApp] = list(
            super().list_apps(request, provider=provider, client_id=client_id)
        )
        if provider is None:
            # Listing for a login page: registered apps connect workspaces, never sign in.
            return apps
        specs = _oauth_specs()
        found = provider_for_subprovider(provider)
        registered = App.objects.all()
        if found is not None:
            registered = registered.filter(provider=found[0].key, public_id=found[1])
        elif provider in specs:
            if not client_id:
                return apps  # too vague to pick an app: never guess
            registered = registered.filter(provider=provider)
        else:
            return apps
        if client_id:
            registered = registered.filter(client_id=client_id)
        return apps + [social_app_for(app) for app in registered.exclude(client_id="")]

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        if getattr(provider, "id", None) not in _oauth_specs():
            return
        kind = _failure_kind(error, exception, extra_context or {})
        message = exception.message if isinstance(exception, ConnectFailure) else ""
        raise ImmediateHttpResponse(
            connect_failed_response(request, kind, message=message, app=_app_of(provider))
        )

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider = sociallogin.provider
        if getattr(provider, "id", None) not in _oauth_specs():
            return
        raise ImmediateHttpResponse(self._connect(request, sociallogin))

    def _connect(self, request: HttpRequest, sociallogin: SocialLogin) -> HttpResponse:
        """Turn a completed dance into a Connection; every other way out stores nothing."""
        app = _app_of(sociallogin.provider)
        state = sociallogin.state or {}
        data = state.get("data") or {}
        started_here = (
            state.get("process") == AuthProcess.REDIRECT
            and app is not None
            and data.get("app") == app.pk
            and data.get("team") == app.team_id
        )
        if app is None or not started_here or not _may_connect(request, app):
            return connect_failed_response(request, FailureKind.NOT_ALLOWED, app=app)
        checked = first_check_of(sociallogin)
        token = sociallogin.token.token if sociallogin.token else ""
        if checked is None or checked.classification.workspace is None or not token:
            return connect_failed_response(request, FailureKind.IDENTITY, app=app)
        identity: WorkspaceIdentity = checked.classification.workspace
        # allauth's parse_token put the answer's refresh_token and expiry on the SocialToken.
        refresh = sociallogin.token.token_secret if sociallogin.token else ""
        result = connection_connect(
            team=app.team, app=app, identity=identity, token=Secret(token),
            first_check=checked.classification, latency_ms=checked.latency_ms,
            actor=request.user, request=request,
            refresh_token=Secret(refresh) if refresh else None,
            token_expires_at=sociallogin.token.expires_at if sociallogin.token else None,
        )  # fmt: skip
        if result.connection.capabilities_due_at is not None:
            from connectors.tasks import enqueue_capability_check

            enqueue_capability_check(result.connection.pk, "connect")
        name = identity.name or identity.external_id
        if result.reconnected:
            messages.success(request, f"Reconnected {name}: the new token replaces the old one.")
        else:
            messages.success(request, f"Connected {name}.")
        if result.region_note:
            messages.warning(request, result.region_note)
        return redirect(
            "connection_detail", team_slug=app.team.slug, connection_id=result.connection.pk
        )
