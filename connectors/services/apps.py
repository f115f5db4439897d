"""Writes on registered apps: create, edit, replace the secret, delete. Each one is audited."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from connectors.engine.capabilities import capabilities_declared_changed
from connectors.health.outcomes import Status
from connectors.models import App, AppKind, Connection
from connectors.providers import provider_get
from connectors.services.connections import (
    ConnectResult,
    connection_connect,
    connection_disconnect,
    token_check,
)
from portal.models import Team, User
from portal.secrets import Secret
from portal.services.audit import audit_log

MIN_CHECK_INTERVAL_SECONDS = 60
MAX_CHECK_INTERVAL_SECONDS = 24 * 60 * 60


class AppError(Exception):
    """A write that cannot happen, with a message a person can act on."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def app_with_client_id(
    *, team: Team, provider: str, client_id: str, exclude_pk: int | None = None
) -> App | None:
    """The team's app already registered with `client_id`, if any (for a form error)."""
    if not client_id:
        return None
    apps = App.objects.filter(team=team, provider=provider, client_id=client_id)
    if exclude_pk is not None:
        apps = apps.exclude(pk=exclude_pk)
    return apps.first()


def _duplicate_error(existing: App) -> AppError:
    return AppError(
        f"This client ID is already registered in this team as “{existing.name}”. "
        "Open that app instead, or check that you copied the ID of the right app.",
        field="client_id",
    )


def _audit_details(app: App) -> dict[str, str]:
    # Never the secret: only what identifies the app.
    return {"name": app.name, "region": app.region, "public_id": app.public_id}


def app_create(
    *,
    team: Team,
    actor: User,
    provider: str,
    name: str,
    region: str,
    client_id: str,
    client_secret: Secret | None,
    kind: str = AppKind.PUBLIC,
    public_id: str | None = None,
    request: HttpRequest | None = None,
) -> App:
    """Register an app; `public_id` keeps the callback URL the guided flow already showed."""
    existing = app_with_client_id(team=team, provider=provider, client_id=client_id)
    if existing is not None:
        raise _duplicate_error(existing)
    if public_id and App.objects.filter(public_id=public_id).exists():
        raise AppError(
            "This setup page was already used to save an app. Start again from “Add app” "
            "to get a fresh callback URL."
        )
    app = App(
        team=team,
        provider=provider,
        kind=kind,
        name=name,
        region=region,
        client_id=client_id,
        created_by=actor,
    )
    if public_id:
        app.public_id = public_id
    if client_secret:
        app.client_secret = client_secret
        app.secret_replaced_at = timezone.now()
    try:
        with transaction.atomic():
            app.save()
            audit_log(
                team=team, actor=actor, action="app.created", target=app, request=request,
                details=_audit_details(app),
            )  # fmt: skip
    except IntegrityError as exc:
        # Someone saved the same client id (or page) a moment ago.
        existing = app_with_client_id(team=team, provider=provider, client_id=client_id)
        if existing is not None:
            raise _duplicate_error(existing) from exc
        raise AppError(
            "This app could not be saved: it was just saved elsewhere. Reload the page."
        ) from exc
    return app


def app_create_with_token(
    *,
    team: Team,
    actor: User,
    provider: str,
    name: str,
    region: str,
    token: Secret,
    public_id: str | None = None,
    request: HttpRequest | None = None,
) -> ConnectResult:
    """Register an internal integration and connect its one workspace by its access token.

    The token is checked first, outside any transaction; a refused token saves nothing.
    """
    now = timezone.now()
    checked = token_check(spec=provider_get(provider), region_key=region, token=token, now=now)
    with transaction.atomic():
        app = app_create(
            team=team, actor=actor, provider=provider, kind=AppKind.INTERNAL, name=name,
            region=region, client_id="", client_secret=None, public_id=public_id,
            request=request,
        )  # fmt: skip
        return connection_connect(
            team=team, app=app, identity=checked.identity, token=token,
            first_check=checked.classification, latency_ms=checked.latency_ms, actor=actor,
            request=request, now=now,
        )  # fmt: skip


def app_active_connections(app: App) -> QuerySet[Connection]:
    """Connections made through `app` that are not already disconnected."""
    return app.connections.exclude(status=Status.DISCONNECTED)


def app_update(
    *,
    app: App,
    actor: User,
    name: str,
    region: str,
    check_interval_seconds: int,
    request: HttpRequest | None = None,
) -> App:
    """Edit name, region and check interval. The form has already confirmed a region change."""
    if not MIN_CHECK_INTERVAL_SECONDS <= check_interval_seconds <= MAX_CHECK_INTERVAL_SECONDS:
        raise AppError(
            "The check interval must be between 1 minute and 24 hours.", field="check_interval"
        )
    changed = {
        field: {"from": str(getattr(app, field)), "to": str(value)}
        for field, value in (
            ("name", name), ("region", region), ("check_interval_seconds", check_interval_seconds)
        )
        if getattr(app, field) != value
    }  # fmt: skip
    if not changed:
        return app
    app.name = name
    app.region = region
    app.check_interval_seconds = check_interval_seconds
    with transaction.atomic():
        app.save(update_fields=["name", "region", "check_interval_seconds", "updated_at"])
        audit_log(
            team=app.team, actor=actor, action="app.updated", target=app, request=request,
            details={**_audit_details(app), "changed": changed},
        )  # fmt: skip
    return app


def app_capabilities_set(
    *, app: App, actor: User, keys: list[str], request: HttpRequest | None = None
) -> bool:
    """Declare which capabilities the team's integration relies on; answer whether that
    changed anything. Every connection of the app is checked against them at once."""
    known = [c.key for c in app.spec.capabilities()]
    unknown = sorted(set(keys) - set(known))
    if unknown:
        raise AppError(f"Unknown capabilities: {', '.join(unknown)}.", field="capabilities")
    chosen = [key for key in known if key in set(keys)]
    if chosen == list(app.capabilities or []):
        return False
    before = list(app.capabilities or [])
    app.capabilities = chosen
    with transaction.atomic():
        app.save(update_fields=["capabilities", "updated_at"])
        connections = list(app_active_connections(app).select_related("app"))
        capabilities_declared_changed(app_connections=connections)
        audit_log(
            team=app.team, actor=actor, action="app.capabilities_declared", target=app,
            request=request,
            details={**_audit_details(app), "changed": {"from": before, "to": chosen}},
        )  # fmt: skip
    return True


def app_replace_secret(
    *, app: App, actor: User, client_secret: Secret, request: HttpRequest | None = None
) -> App:
    """Store a new client secret; the old one is gone for good."""
    if not client_secret:
        raise AppError("Paste the new client secret.", field="client_secret")
    app.client_secret = client_secret
    app.secret_replaced_at = timezone.now()
    with transaction.atomic():
        app.save(update_fields=["client_secret", "secret_replaced_at", "updated_at"])
        audit_log(
            team=app.team, actor=actor, action="app.secret_replaced", target=app,
            request=request, details=_audit_details(app),
        )  # fmt: skip
    return app


def app_delete(*, app: App, actor: User, request: HttpRequest | None = None) -> int:
    """Delete `app` and its secret, disconnecting its connections; returns how many."""
    team = app.team
    details = {**_audit_details(app), "client_id": app.client_id}
    target_id = str(app.pk)
    reason = f"The app “{app.name}” was deleted."
    # Each connection is disconnected the usual way (best-effort revoke at the provider,
    # tokens wiped, transition, audit and notification), outside one big transaction
    # because the revoke is a network call.
    active = list(Connection.objects.filter(app=app).exclude(status=Status.DISCONNECTED))
    for connection in active:
        connection_disconnect(connection=connection, actor=actor, request=request, reason=reason)
    with transaction.atomic():
        # Connections keep their row and history (their app becomes NULL); the secret goes,
        # and so does any token a disconnected row might still hold.
        Connection.objects.filter(app=app).update(
            access_token=None, refresh_token=None, token_expires_at=None, refresh_due_at=None
        )
        disconnected = len(active)
        app.delete()
        audit_log(
            team=team, actor=actor, action="app.deleted", target_type="connectors.app",
            target_id=target_id, request=request,
            details={**details, "connections_disconnected": disconnected},
        )  # fmt: skip
    return disconnected
