"""Writes and reads of the sandbox: apps, demo workspaces, codes and tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from connectors.http import Timeout, http_request
from connectors.providers.intercom.provider import SIGNATURE_HEADERS
from connectors.providers.intercom.sandbox import credentials
from connectors.providers.intercom.sandbox.models import (
    SandboxApp,
    SandboxCode,
    SandboxToken,
    SandboxWorkspace,
    TokenKind,
)
from portal.secrets import Secret

CODE_LIFETIME = timedelta(minutes=5)
# The header Intercom's "Signed notifications" page documents (the first the portal reads).
SIGNATURE_HEADER = SIGNATURE_HEADERS[0]
NOTICE_TIMEOUT = Timeout(connect=5.0, read=10.0, total=15.0)

# Demo workspaces, created lazily so a flushed test database still has them.
DEMO_WORKSPACES: list[dict[str, str]] = [
    {
        "id_code": "acme0us1",
        "name": "Acme Support",
        "region": "US",
        "timezone": "America/New_York",
        "admin_id": "991267460",
        "admin_email": "ops@acme.example",
        "admin_name": "Ada Acme",
    },
    {
        "id_code": "globex0eu",
        "name": "Globex EU",
        "region": "EU",
        "timezone": "Europe/Dublin",
        "admin_id": "991267461",
        "admin_email": "support@globex.example",
        "admin_name": "Greta Globex",
    },
    {
        "id_code": "initech0au",
        "name": "Initech AU",
        "region": "AU",
        "timezone": "Australia/Sydney",
        "admin_id": "991267462",
        "admin_email": "helpdesk@initech.example",
        "admin_name": "Ian Initech",
    },
]


class SandboxClientError(Exception):
    """The client id or client secret is wrong."""


class SandboxCodeError(Exception):
    """The code is unknown, used, expired or belongs to another app."""


class SandboxGrantError(Exception):
    """The refresh token is unknown, rotated or revoked."""


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str | None
    expires_in: int | None


@dataclass(frozen=True)
class NewApp:
    app: SandboxApp
    client_secret: str


def workspaces_ensure() -> QuerySet[SandboxWorkspace]:
    """The demo workspaces, creating any that are missing."""
    existing = set(SandboxWorkspace.objects.values_list("id_code", flat=True))
    for spec in DEMO_WORKSPACES:
        if spec["id_code"] not in existing:
            SandboxWorkspace.objects.get_or_create(id_code=spec["id_code"], defaults=spec)
    return SandboxWorkspace.objects.all()


def sandbox_app_create(
    *,
    name: str,
    redirect_uris: list[str],
    expiring_tokens: bool = False,
    token_lifetime_seconds: int = 3600,
    uninstall_url: str = "",
) -> NewApp:
    """Register a sandbox app; the client secret is returned here and never again."""
    secret = credentials.new_client_secret()
    app = SandboxApp.objects.create(
        name=name,
        client_id=credentials.new_client_id(),
        client_secret_hash=credentials.digest(secret),
        signing_secret=secret,  # the field encrypts it
        uninstall_url=uninstall_url,
        secret_hint=credentials.hint_of(secret),
        redirect_uris=list(redirect_uris),
        expiring_tokens=expiring_tokens,
        token_lifetime_seconds=token_lifetime_seconds,
    )
    return NewApp(app=app, client_secret=secret)


def sandbox_app_update(
    *,
    app: SandboxApp,
    redirect_uris: list[str],
    expiring_tokens: bool,
    token_lifetime_seconds: int,
    uninstall_url: str | None = None,
) -> SandboxApp:
    """Save the app's settings; `uninstall_url=None` leaves it as it is."""
    app.redirect_uris = list(redirect_uris)
    app.expiring_tokens = expiring_tokens
    app.token_lifetime_seconds = token_lifetime_seconds
    if uninstall_url is not None:
        app.uninstall_url = uninstall_url
    fields = ["redirect_uris", "expiring_tokens", "token_lifetime_seconds", "uninstall_url"]
    app.save(update_fields=fields)
    return app


def sandbox_app_rotate_secret(*, app: SandboxApp) -> str:
    """A new client secret; the old one stops working at once."""
    secret = credentials.new_client_secret()
    app.client_secret_hash = credentials.digest(secret)
    app.secret_hint = credentials.hint_of(secret)
    app.signing_secret = Secret(secret)
    app.save(update_fields=["client_secret_hash", "secret_hint", "signing_secret"])
    return secret


def sandbox_app_authenticate(*, client_id: str, client_secret: str) -> SandboxApp:
    app = SandboxApp.objects.filter(client_id=client_id).first()
    if app is None or not credentials.digest_matches(client_secret, app.client_secret_hash):
        raise SandboxClientError
    return app


def redirect_uri_resolve(*, app: SandboxApp, requested: str) -> str | None:
    """The registered redirect URI to use, or None when the request names another."""
    if not app.redirect_uris:
        return None
    if not requested:
        return str(app.redirect_uris[0])
    return requested if requested in app.redirect_uris else None


def sandbox_code_issue(*, app: SandboxApp, workspace: SandboxWorkspace, redirect_uri: str) -> str:
    """What Approve does: a single-use code for this app and workspace."""
    code = credentials.new_code()
    SandboxCode.objects.create(
        code_hash=credentials.digest(code),
        app=app,
        workspace=workspace,
        redirect_uri=redirect_uri,
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    return code


def _tokens_issue(*, app: SandboxApp, workspace: SandboxWorkspace) -> IssuedTokens:
    now = timezone.now()
    access = credentials.new_access_token()
    expires_at = now + timedelta(seconds=app.token_lifetime_seconds)
    SandboxToken.objects.create(
        kind=TokenKind.ACCESS,
        token_hash=credentials.digest(access),
        prefix=credentials.prefix_of(access),
        app=app,
        workspace=workspace,
        expires_at=expires_at if app.expiring_tokens else None,
    )
    if not app.expiring_tokens:
        return IssuedTokens(access_token=access, refresh_token=None, expires_in=None)
    refresh = credentials.new_refresh_token()
    SandboxToken.objects.create(
        kind=TokenKind.REFRESH,
        token_hash=credentials.digest(refresh),
        prefix=credentials.prefix_of(refresh),
        app=app,
        workspace=workspace,
    )
    return IssuedTokens(
        access_token=access, refresh_token=refresh, expires_in=app.token_lifetime_seconds
    )


def sandbox_access_token_issue(*, app: SandboxApp, workspace: SandboxWorkspace) -> str:
    """An internal integration's access token for its own workspace, as the Developer Hub's
    Authentication page shows it: no OAuth, never expires, no refresh token."""
    access = credentials.new_access_token()
    SandboxToken.objects.create(
        kind=TokenKind.ACCESS,
        token_hash=credentials.digest(access),
        prefix=credentials.prefix_of(access),
        app=app,
        workspace=workspace,
    )
    return access


def sandbox_app_installed_in(*, app: SandboxApp) -> list[str]:
    """The workspaces the app is installed in: those where it holds a live access token."""
    rows = SandboxToken.objects.filter(app=app, kind=TokenKind.ACCESS, revoked_at__isnull=True)
    return sorted(set(rows.values_list("workspace__id_code", flat=True)))


def sandbox_code_exchange(*, app: SandboxApp, code: str) -> IssuedTokens:
    """Trade a code for tokens, exactly once, within its lifetime."""
    now = timezone.now()
    with transaction.atomic():
        # A conditional UPDATE claims the code, so two racing exchanges cannot both win.
        claimed = SandboxCode.objects.filter(
            code_hash=credentials.digest(code), app=app, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if claimed != 1:
            raise SandboxCodeError
        row = SandboxCode.objects.select_related("workspace").get(
            code_hash=credentials.digest(code)
        )
        return _tokens_issue(app=app, workspace=row.workspace)


def sandbox_token_refresh(*, app: SandboxApp, refresh_token: str) -> IssuedTokens:
    """Rotate a refresh token: the old one stops working, a new pair is issued."""
    now = timezone.now()
    token_hash = credentials.digest(refresh_token)
    with transaction.atomic():
        claimed = SandboxToken.objects.filter(
            token_hash=token_hash, kind=TokenKind.REFRESH, app=app, revoked_at__isnull=True
        ).update(revoked_at=now)
        if claimed != 1:
            raise SandboxGrantError
        row = SandboxToken.objects.select_related("workspace").get(token_hash=token_hash)
        return _tokens_issue(app=app, workspace=row.workspace)


def sandbox_refresh_token_find(*, app: SandboxApp, token: str) -> SandboxToken | None:
    """The app's refresh token row for a presented value, whatever its state."""
    return (
        SandboxToken.objects.select_related("workspace")
        .filter(token_hash=credentials.digest(token), kind=TokenKind.REFRESH, app=app)
        .first()
    )


def sandbox_token_find(*, token: str) -> SandboxToken | None:
    """The access token row for a bearer value, whatever its state."""
    return (
        SandboxToken.objects.select_related("workspace", "app")
        .filter(token_hash=credentials.digest(token), kind=TokenKind.ACCESS)
        .first()
    )


def sandbox_token_lookup(*, ref: str) -> SandboxToken | None:
    """An access token by its id or public prefix (for controls)."""
    tokens = SandboxToken.objects.select_related("workspace", "app").filter(kind=TokenKind.ACCESS)
    if ref.isdigit():
        return tokens.filter(pk=int(ref)).first()
    return tokens.filter(prefix=ref[: credentials.PREFIX_LENGTH]).first()


def sandbox_tokens_revoke(
    *,
    workspace: SandboxWorkspace | None = None,
    app: SandboxApp | None = None,
    token: SandboxToken | None = None,
) -> int:
    """Revoke for good, as Intercom does: a revoked token never works again."""
    rows = SandboxToken.objects.filter(revoked_at__isnull=True)
    if token is not None:
        rows = rows.filter(pk=token.pk)
    if workspace is not None:
        rows = rows.filter(workspace=workspace)
    if app is not None:
        rows = rows.filter(app=app)
    return rows.update(revoked_at=timezone.now())


@dataclass(frozen=True)
class UninstallNotice:
    """What the sandbox sent to the app's uninstall URL (status None: not sent)."""

    url: str
    status: int | None
    detail: str


def notice_signature(*, secret: Secret, body: bytes) -> str:
    """Intercom's signature of a notice: `sha1=` and the hex HMAC-SHA1 of the raw body."""
    return "sha1=" + hmac.new(secret.reveal().encode(), body, hashlib.sha1).hexdigest()


def sandbox_workspace_uninstall(
    *, app: SandboxApp, workspace: SandboxWorkspace
) -> UninstallNotice | None:
    """The workspace uninstalls the app: its tokens there die, and, if the app has an
    uninstall URL, a signed `{"app_id": "<id_code>"}` is POSTed to it (as Intercom does).

    Call outside a transaction: the receiver may be this very process.
    """
    sandbox_tokens_revoke(workspace=workspace, app=app)
    if not app.uninstall_url:
        return None
    body = json.dumps({"app_id": workspace.id_code}).encode()
    headers = {"Content-Type": "application/json"}
    if app.signing_secret is not None:
        headers[SIGNATURE_HEADER] = notice_signature(secret=app.signing_secret, body=body)
    result = http_request(
        "POST", app.uninstall_url, headers=headers, content=body, timeout=NOTICE_TIMEOUT,
        retry_safe=True, purpose="intercom-sandbox-notice",
    )  # fmt: skip
    detail = result.error_detail or f"HTTP {result.status}"
    return UninstallNotice(url=app.uninstall_url, status=result.status, detail=detail)
