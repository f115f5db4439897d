"""The JSON control API tests and scripts use to make the sandbox misbehave."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connectors.providers.intercom.sandbox import services
from connectors.providers.intercom.sandbox.controls import (
    ControlError,
    app_rate_limit_apply,
    control_apply,
    controls_reset,
    permissions_withhold,
    token_state,
    wide_apply,
    wide_mode,
    workspace_state,
)
from connectors.providers.intercom.sandbox.forms import AppCreateForm
from connectors.providers.intercom.sandbox.http import no_store, sandbox_only
from connectors.providers.intercom.sandbox.models import (
    SandboxApp,
    SandboxToken,
    SandboxWorkspace,
    TokenKind,
)
from portal.jsontext import json_loads


class _BadBody(ValueError):
    pass


def _problem(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        data = json_loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise _BadBody('The body is not JSON; send an object such as {"mode": "ok"}.') from None
    if not isinstance(data, dict):
        raise _BadBody('The body must be a JSON object such as {"mode": "ok"}.')
    return data


def _apply(request: HttpRequest, target: SandboxWorkspace | SandboxToken) -> HttpResponse | None:
    """Apply a POSTed control body; an error answer, or None on success."""
    try:
        with transaction.atomic():
            control_apply(target=target, data=_json_body(request))
    except (_BadBody, ControlError) as error:
        return _problem(400, str(error))
    return None


@csrf_exempt
@sandbox_only
@require_GET
def workspaces(request: HttpRequest) -> HttpResponse:
    rows = services.workspaces_ensure()
    return JsonResponse({"workspaces": [workspace_state(row) for row in rows]})


@csrf_exempt
@sandbox_only
@require_http_methods(["GET", "POST"])
def workspace(request: HttpRequest, id_code: str) -> HttpResponse:
    services.workspaces_ensure()
    row = SandboxWorkspace.objects.filter(id_code=id_code).first()
    if row is None:
        return _problem(404, f"No demo workspace has the id_code {id_code!r}.")
    if request.method == "POST" and (failure := _apply(request, row)) is not None:
        return failure
    row.refresh_from_db()
    return JsonResponse(workspace_state(row))


@csrf_exempt
@sandbox_only
@require_http_methods(["GET", "POST"])
def workspace_permissions(request: HttpRequest, id_code: str) -> HttpResponse:
    """POST {"withheld": ["read_conversations", ...]}: the permissions its tokens lack."""
    services.workspaces_ensure()
    row = SandboxWorkspace.objects.filter(id_code=id_code).first()
    if row is None:
        return _problem(404, f"No demo workspace has the id_code {id_code!r}.")
    if request.method == "POST":
        try:
            permissions_withhold(workspace=row, data=_json_body(request))
        except (_BadBody, ControlError) as error:
            return _problem(400, str(error))
    row.refresh_from_db()
    return JsonResponse(workspace_state(row))


@csrf_exempt
@sandbox_only
@require_GET
def tokens(request: HttpRequest) -> HttpResponse:
    rows = SandboxToken.objects.filter(kind=TokenKind.ACCESS).select_related("workspace", "app")
    if id_code := request.GET.get("workspace"):
        rows = rows.filter(workspace__id_code=id_code)
    if client_id := request.GET.get("client_id"):
        rows = rows.filter(app__client_id=client_id)
    return JsonResponse({"tokens": [token_state(row) for row in rows[:100]]})


@csrf_exempt
@sandbox_only
@require_http_methods(["GET", "POST"])
def token(request: HttpRequest, ref: str) -> HttpResponse:
    row = services.sandbox_token_lookup(ref=ref)
    if row is None:
        return _problem(404, f"No access token has the id or prefix {ref[:16]!r}.")
    if request.method == "POST" and (failure := _apply(request, row)) is not None:
        return failure
    row.refresh_from_db()
    return JsonResponse(token_state(row))


@csrf_exempt
@sandbox_only
@require_http_methods(["GET", "POST"])
def wide(request: HttpRequest) -> HttpResponse:
    """GET the sandbox-wide mode; POST {"mode": "401"} makes every `/me` answer it."""
    if request.method == "POST":
        try:
            wide_apply(data=_json_body(request))
        except (_BadBody, ControlError) as error:
            return _problem(400, str(error))
    return JsonResponse({"mode": wide_mode()})


@csrf_exempt
@sandbox_only
@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    services.workspaces_ensure()
    controls_reset()
    return JsonResponse({"reset": True})


@csrf_exempt
@sandbox_only
@require_POST
def app_create(request: HttpRequest) -> HttpResponse:
    """Create a sandbox app from JSON; the answer holds the only copy of its secret."""
    try:
        data = _json_body(request)
    except _BadBody as error:
        return _problem(400, str(error))
    uris = data.get("redirect_uris", [])
    form = AppCreateForm(
        {
            "name": data.get("name", "Sandbox app"),
            "redirect_uris": "\n".join(str(uri) for uri in uris) if isinstance(uris, list) else "",
            "expiring_tokens": bool(data.get("expiring_tokens", False)),
            "token_lifetime_seconds": data.get("token_lifetime_seconds", 3600),
            "uninstall_url": data.get("uninstall_url", ""),
        }
    )
    if not form.is_valid():
        problems = {
            field: " ".join(str(error) for error in errors) for field, errors in form.errors.items()
        }
        return JsonResponse({"error": "The app was not created.", "fields": problems}, status=400)
    created = services.sandbox_app_create(**form.cleaned_data)
    body = {
        "client_id": created.app.client_id,
        "client_secret": created.client_secret,
        "name": created.app.name,
        "redirect_uris": created.app.redirect_uris,
        "expiring_tokens": created.app.expiring_tokens,
        "token_lifetime_seconds": created.app.token_lifetime_seconds,
        "uninstall_url": created.app.uninstall_url,
    }
    return no_store(JsonResponse(body, status=201))


def _app_or_problem(client_id: str) -> SandboxApp | JsonResponse:
    app = SandboxApp.objects.filter(client_id=client_id).first()
    return app or _problem(404, f"No sandbox app has the client ID {client_id[:64]!r}.")


@csrf_exempt
@sandbox_only
@require_http_methods(["GET", "POST"])
def app_state(request: HttpRequest, client_id: str) -> HttpResponse:
    """The app and the workspaces it is installed in; POST {"uninstall_url"} or
    {"rate_limit"} (its calls per 10-second window) sets those."""
    app = _app_or_problem(client_id)
    if isinstance(app, JsonResponse):
        return app
    if request.method == "POST":
        try:
            data = _json_body(request)
        except _BadBody as error:
            return _problem(400, str(error))
        if "uninstall_url" in data:
            url = str(data.get("uninstall_url", ""))
            if url and not url.startswith(("http://", "https://")):
                return _problem(400, "uninstall_url must be an absolute http(s) URL.")
            app.uninstall_url = url[:500]
            app.save(update_fields=["uninstall_url"])
        try:
            app_rate_limit_apply(app=app, data=data)
        except ControlError as error:
            return _problem(400, str(error))
    body = {
        "client_id": app.client_id,
        "name": app.name,
        "installed_in": services.sandbox_app_installed_in(app=app),
        "uninstall_url": app.uninstall_url,
        "rate_limit": app.rate_limit_per_window,
    }
    return JsonResponse(body)


@csrf_exempt
@sandbox_only
@require_POST
def app_access_token(request: HttpRequest, client_id: str) -> HttpResponse:
    """POST {"workspace": "<id_code>"}: an internal integration's access token (shown once)."""
    app = _app_or_problem(client_id)
    if isinstance(app, JsonResponse):
        return app
    try:
        data = _json_body(request)
    except _BadBody as error:
        return _problem(400, str(error))
    services.workspaces_ensure()
    workspace = SandboxWorkspace.objects.filter(id_code=str(data.get("workspace", ""))).first()
    if workspace is None:
        return _problem(400, 'Name a demo workspace: {"workspace": "acme0us1"}.')
    token = services.sandbox_access_token_issue(app=app, workspace=workspace)
    return no_store(JsonResponse({"access_token": token, "workspace": workspace.id_code}))


@csrf_exempt
@sandbox_only
@require_POST
def workspace_uninstall(request: HttpRequest, id_code: str) -> HttpResponse:
    """POST {"client_id"}: the workspace uninstalls the app; a signed notice goes out."""
    services.workspaces_ensure()
    row = SandboxWorkspace.objects.filter(id_code=id_code).first()
    if row is None:
        return _problem(404, f"No demo workspace has the id_code {id_code!r}.")
    try:
        data = _json_body(request)
    except _BadBody as error:
        return _problem(400, str(error))
    app = _app_or_problem(str(data.get("client_id", "")))
    if isinstance(app, JsonResponse):
        return app
    notice = services.sandbox_workspace_uninstall(app=app, workspace=row)
    sent = None if notice is None else {"url": notice.url, "status": notice.status,
                                        "detail": notice.detail}  # fmt: skip
    return JsonResponse({"uninstalled": True, "notice": sent})
