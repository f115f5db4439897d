"""Intercom's server-to-server endpoints: token exchange, `/me` and uninstall."""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from datetime import datetime

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from connectors.providers.intercom.capabilities import PROBES_BY_PATH
from connectors.providers.intercom.sandbox import services
from connectors.providers.intercom.sandbox.controls import (
    RATE_LIMIT_WINDOW_SECONDS,
    Effective,
    effective_controls,
    me_record,
)
from connectors.providers.intercom.sandbox.http import (
    bearer_token,
    error_list,
    no_store,
    oauth_error,
    sandbox_only,
    version_error,
)
from connectors.providers.intercom.sandbox.models import Mode, SandboxToken


def _client_credentials(request: HttpRequest) -> tuple[str, str]:
    """Form fields as Intercom documents them, or HTTP Basic as OAuth2 clients often send."""
    client_id = request.POST.get("client_id", "")
    client_secret = request.POST.get("client_secret", "")
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if not client_secret and scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return client_id, ""
        basic_id, _, basic_secret = decoded.partition(":")
        return client_id or basic_id, basic_secret
    return client_id, client_secret


def _tokens_answer(issued: services.IssuedTokens) -> JsonResponse:
    """Intercom's token answer; `refresh_token` and `expires_in` only for an app in the
    "Not Intercom: expiring tokens" mode (Intercom's tokens never expire)."""
    body: dict[str, str | int] = {
        "token_type": "Bearer",
        "token": issued.access_token,
        "access_token": issued.access_token,
    }
    if issued.refresh_token is not None and issued.expires_in is not None:
        body["refresh_token"] = issued.refresh_token
        body["expires_in"] = issued.expires_in
    return no_store(JsonResponse(body))  # type: ignore[return-value]


@csrf_exempt
@sandbox_only
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """POST /auth/eagle/token: code exchange, and refresh for apps with expiring tokens."""
    client_id, client_secret = _client_credentials(request)
    grant_type = request.POST.get("grant_type", "authorization_code")
    if grant_type == "refresh_token":
        return _refresh(request, client_id, client_secret)
    if grant_type != "authorization_code":
        return oauth_error(
            400, "unsupported_grant_type", "Use authorization_code or refresh_token."
        )
    code = request.POST.get("code", "")
    if not code or not client_id or not client_secret:
        return error_list(
            400, "parameter_not_found", "code, client_id and client_secret are required"
        )
    try:
        app = services.sandbox_app_authenticate(client_id=client_id, client_secret=client_secret)
        issued = services.sandbox_code_exchange(app=app, code=code)
    except services.SandboxClientError:
        return error_list(401, "unauthorized", "Unauthorized Client")
    except services.SandboxCodeError:
        return error_list(401, "unauthorized", "Unauthorized Code")
    return _tokens_answer(issued)


def _refresh(request: HttpRequest, client_id: str, client_secret: str) -> HttpResponse:
    refresh_token = request.POST.get("refresh_token", "")
    if not refresh_token:
        return oauth_error(400, "invalid_request", "refresh_token is required.")
    try:
        app = services.sandbox_app_authenticate(client_id=client_id, client_secret=client_secret)
    except services.SandboxClientError:
        return oauth_error(401, "invalid_client", "Unknown client_id or wrong client_secret.")
    if not app.expiring_tokens:
        return oauth_error(400, "unauthorized_client", "This app does not use expiring tokens.")
    row = services.sandbox_refresh_token_find(app=app, token=refresh_token)
    if row is not None and (fault := _token_service_fault(row)) is not None:
        return fault  # the grant is left untouched, as a failing server would leave it
    try:
        issued = services.sandbox_token_refresh(app=app, refresh_token=refresh_token)
    except services.SandboxGrantError:
        return oauth_error(400, "invalid_grant", "The refresh token is invalid, used or revoked.")
    return _tokens_answer(issued)


def _token_service_fault(row: SandboxToken) -> HttpResponse | None:
    """The workspace's server-side controls (5xx, a proxy's page, slow, silent) apply to
    its refresh grants too, so a portal's retries can be tried; the token-level modes
    (401s, 403s, 429) describe an access token and leave the grant alone."""
    effective = effective_controls(token=row, now=timezone.now())
    if effective.latency_ms:
        _sleep(effective.latency_ms / 1000)
    mode = effective.mode
    if mode == Mode.SERVER_ERROR:
        return error_list(500, "server_error", "Server Error")
    if mode in _PROXY_STATUS:
        status = _PROXY_STATUS[mode]
        return HttpResponse(_PROXY_PAGE.format(status=status), status=status,
                            content_type="text/html")  # fmt: skip
    if mode == Mode.SLOW:
        _sleep(max(effective.latency_ms, SLOW_MINIMUM_MS) / 1000)
    if mode == Mode.SILENT:
        _sleep(effective.timeout_seconds)
        return HttpResponse(b"", status=504)
    return None


def _rate_headers(
    response: HttpResponse, *, limit: int, remaining: int, reset: int
) -> HttpResponse:
    response["X-RateLimit-Limit"] = str(limit)
    response["X-RateLimit-Remaining"] = str(remaining)
    response["X-RateLimit-Reset"] = str(reset)
    return response


def _sleep(seconds: float) -> None:
    # Never sleep holding a database connection (or a lock): the portal calls us mid-request.
    if not connection.in_atomic_block:
        connection.close()
    time.sleep(seconds)


def _admin_with_app(token: SandboxToken) -> dict[str, object]:
    workspace = token.workspace
    return {
        "type": "admin",
        "id": workspace.admin_id,
        "email": workspace.admin_email,
        "name": workspace.admin_name,
        "email_verified": True,
        "has_inbox_seat": True,
        "avatar": {
            "type": "avatar",
            "image_url": f"https://static.intercomassets.com/avatars/{workspace.admin_id}.png",
        },
        "app": {
            "type": "app",
            "id_code": workspace.id_code,
            "name": workspace.name,
            "region": workspace.region,
            "timezone": workspace.timezone,
            "created_at": workspace.created_at_unix,
            # In Intercom-OpenAPI's example of GET /me (false there), not in its schema.
            "secure": False,
            "identity_verification": workspace.identity_verification,
        },
    }


# A proxy's error page: what a load balancer in front of Intercom sends, not Intercom.
_PROXY_PAGE = "<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"
SLOW_MINIMUM_MS = 3000

# Mode -> (status, Intercom's error code, its message), as Intercom documents them.
_ERRORS: dict[str, tuple[int, str, str]] = {
    Mode.UNAUTHORIZED: (401, "unauthorized", "Access Token Invalid"),
    Mode.TOKEN_UNAUTHORIZED: (401, "token_unauthorized", "Not authorized to access resource"),
    Mode.TOKEN_SUSPENDED: (401, "token_suspended", "Token suspended"),
    Mode.FORBIDDEN: (403, "forbidden", "You do not have the required scope to access this"),
    Mode.PLAN_RESTRICTED: (403, "api_plan_restricted", "Active subscription needed."),
    Mode.PAYMENT_REQUIRED: (402, "api_plan_restricted", "Active subscription needed."),
    Mode.RATE_LIMITED: (429, "rate_limit_exceeded", "Rate Limit Exceeded"),
    Mode.SERVER_ERROR: (500, "server_error", "Server Error"),
}
_PROXY_STATUS: dict[str, int] = {Mode.BAD_GATEWAY_HTML: 502, Mode.UNAVAILABLE_HTML: 503}


def _controlled_answer(
    token: SandboxToken,
    effective: Effective,
    now: datetime,
    ok_body: Callable[[SandboxToken], dict[str, object]] = _admin_with_app,
    needs: str = "",
) -> HttpResponse:
    """The answer the controls choose; `ok_body` is the normal answer's body, and `needs`
    the permission key the endpoint requires ("" for none)."""
    if effective.wide and effective.mode in _ERRORS:
        # An incident at Intercom answers every token alike, dead or alive.
        status, code, message = _ERRORS[effective.mode]
        return error_list(status, code, message)
    if token.revoked_at is not None:
        return error_list(401, "token_revoked", "Token revoked")
    if token.expires_at is not None and token.expires_at <= now:
        return error_list(401, "token_expired", "Token expired")
    mode = effective.mode
    if mode in _ERRORS:
        status, code, message = _ERRORS[mode]
        return error_list(status, code, message)
    if mode in _PROXY_STATUS:
        status = _PROXY_STATUS[mode]
        page = _PROXY_PAGE.format(status=status)
        return HttpResponse(page, status=status, content_type="text/html")
    if mode == Mode.EMPTY_401:
        return HttpResponse(b"", status=401)
    if mode == Mode.SLOW:
        _sleep(max(effective.latency_ms, SLOW_MINIMUM_MS) / 1000)
    if mode == Mode.SILENT:
        # By the time this answers the client has long given up: only the wait matters.
        _sleep(effective.timeout_seconds)
        return HttpResponse(b"", status=504)
    if needs and needs in (token.workspace.withheld_permissions or []):
        # What Intercom answers a token without the permission (classify.ANSWERS).
        return error_list(401, "token_unauthorized", "Not authorized to access resource")
    return JsonResponse(ok_body(token))


def _caller(request: HttpRequest) -> SandboxToken | HttpResponse:
    """The access token a read was made with, or Intercom's answer refusing the request."""
    if (bad_version := version_error(request)) is not None:
        return bad_version
    raw = bearer_token(request)
    if raw is None:
        return error_list(401, "unauthorized", "Access Token Invalid")
    token = services.sandbox_token_find(token=raw)
    if token is None:
        return error_list(401, "token_not_found", "Token not found")
    return token


@csrf_exempt
@sandbox_only
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    """GET /me: the admin and workspace behind a token, or an error the controls chose."""
    token = _caller(request)
    if isinstance(token, HttpResponse):
        return token
    now = timezone.now()
    window = me_record(token=token, now=now)
    remaining, reset = window.remaining, window.reset
    if window.exceeded:
        # Over the app's limit for this window, as Intercom answers it (Rate Limiting page).
        message = f"Exceeded rate limit of {window.limit} in 10_seconds"
        refused = error_list(429, "rate_limit_exceeded", message)
        return _rate_headers(refused, limit=window.limit, remaining=0, reset=reset)
    effective = effective_controls(token=token, now=now)
    if effective.latency_ms:
        _sleep(effective.latency_ms / 1000)
    response = _controlled_answer(token, effective, now)
    if response.status_code == 429 and effective.rate_limited_until is not None:
        remaining, reset = 0, int(effective.rate_limited_until.timestamp())
    return _rate_headers(response, limit=window.limit, remaining=remaining, reset=reset)


def _pages(per_page: int) -> dict[str, object]:
    return {"type": "pages", "page": 1, "per_page": per_page, "total_pages": 0}


def _admin_list(token: SandboxToken) -> dict[str, object]:
    workspace = token.workspace
    admin = {
        "type": "admin", "id": workspace.admin_id, "name": workspace.admin_name,
        "email": workspace.admin_email, "job_title": "", "away_mode_enabled": False,
        "away_mode_reassign": False, "has_inbox_seat": True, "team_ids": [],
    }  # fmt: skip
    return {"type": "admin.list", "admins": [admin]}


# Each read a capability is checked with (capabilities.PROBES), answering as Intercom's
# schema for it says: an empty workspace, apart from its one admin.
_LIST_BODIES: dict[str, Callable[[SandboxToken], dict[str, object]]] = {
    "/conversations": lambda _t: {"type": "conversation.list", "conversations": [],
                                  "total_count": 0, "pages": _pages(1)},
    "/contacts": lambda _t: {"type": "list", "data": [], "total_count": 0, "pages": _pages(1)},
    "/companies": lambda _t: {"type": "list", "data": [], "total_count": 0, "pages": _pages(1)},
    "/admins": _admin_list,
    "/tags": lambda _t: {"type": "list", "data": []},
    "/articles": lambda _t: {"type": "list", "data": [], "total_count": 0, "pages": _pages(1)},
}  # fmt: skip


@sandbox_only
@require_GET
def capability_read(request: HttpRequest, probe_path: str) -> HttpResponse:
    """GET /conversations, /contacts, ...: the list, or 401 token_unauthorized while the
    workspace withholds the permission the read needs (controls)."""
    token = _caller(request)
    if isinstance(token, HttpResponse):
        return token
    now = timezone.now()
    effective = effective_controls(token=token, now=now)
    if effective.latency_ms:
        _sleep(effective.latency_ms / 1000)
    probe = PROBES_BY_PATH[probe_path]
    response = _controlled_answer(
        token, effective, now, ok_body=_LIST_BODIES[probe_path], needs=probe.permission.key
    )
    reset = (int(time.time()) // RATE_LIMIT_WINDOW_SECONDS + 1) * RATE_LIMIT_WINDOW_SECONDS
    limit = token.app.rate_limit_per_window
    if response.status_code == 429 and effective.rate_limited_until is not None:
        return _rate_headers(
            response, limit=limit, remaining=0, reset=int(effective.rate_limited_until.timestamp())
        )
    # The app's limit, reported as /me reports it (capability reads are not counted).
    return _rate_headers(response, limit=limit, remaining=limit - 1, reset=reset)


@csrf_exempt
@sandbox_only
@require_POST
def uninstall(request: HttpRequest) -> HttpResponse:
    """POST /auth/uninstall: the app leaves the workspace; all its tokens there die."""
    if (bad_version := version_error(request)) is not None:
        return bad_version
    raw = bearer_token(request)
    token = services.sandbox_token_find(token=raw) if raw else None
    if token is None:
        return error_list(401, "token_not_found", "Token not found")
    if token.revoked_at is not None:
        return error_list(401, "token_revoked", "Token revoked")
    services.sandbox_tokens_revoke(workspace=token.workspace, app=token.app)
    reset = (int(time.time()) // RATE_LIMIT_WINDOW_SECONDS + 1) * RATE_LIMIT_WINDOW_SECONDS
    limit = token.app.rate_limit_per_window
    return _rate_headers(JsonResponse({}), limit=limit, remaining=limit - 1, reset=reset)
