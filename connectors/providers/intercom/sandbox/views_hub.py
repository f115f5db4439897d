"""The sandbox Developer Hub: create apps, see demo workspaces, break things by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connectors.providers.intercom.provider import sandbox_base_url
from connectors.providers.intercom.sandbox import services
from connectors.providers.intercom.sandbox.controls import (
    ControlError,
    control_apply,
    controls_reset,
    permissions_withhold,
)
from connectors.providers.intercom.sandbox.forms import (
    AppCreateForm,
    AppSettingsForm,
    AuthenticationForm,
    ControlForm,
    NewAppForm,
    PermissionsForm,
)
from connectors.providers.intercom.sandbox.http import no_store, sandbox_only
from connectors.providers.intercom.sandbox.models import (
    SandboxApp,
    SandboxToken,
    SandboxWorkspace,
    TokenKind,
)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("sandbox_intercom_index")).rstrip("/")


def _index_context(
    request: HttpRequest, create_form: AppCreateForm | None = None
) -> dict[str, Any]:
    workspaces = services.workspaces_ensure()
    tokens = SandboxToken.objects.filter(kind=TokenKind.ACCESS).select_related("workspace", "app")
    return {
        "create_form": create_form or AppCreateForm(),
        "apps": SandboxApp.objects.all(),
        "workspaces": [
            (
                workspace,
                ControlForm(prefix=workspace.id_code, initial=_control_initial(workspace)),
                PermissionsForm(
                    prefix=f"{workspace.id_code}-permissions",
                    initial={"withheld": list(workspace.withheld_permissions or [])},
                ),
            )
            for workspace in workspaces
        ],
        "tokens": tokens[:20],
        "base_url": _base_url(request),
        "configured_base_url": sandbox_base_url(),
        "now": timezone.now(),
    }


def _control_initial(workspace: SandboxWorkspace) -> dict[str, Any]:
    return {
        "mode": workspace.mode,
        "latency_ms": workspace.latency_ms,
        "timeout_seconds": workspace.timeout_seconds,
    }


@sandbox_only
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "intercom_sandbox/index.html", _index_context(request))


def _show_credentials(
    request: HttpRequest, app: SandboxApp, secret: str, fresh: bool
) -> HttpResponse:
    # The only page that ever shows a client secret; it must not be cached anywhere.
    context = {"app": app, "client_secret": secret, "fresh": fresh, "base_url": _base_url(request)}
    return no_store(render(request, "intercom_sandbox/app_created.html", context))


@sandbox_only
@require_POST
def app_create(request: HttpRequest) -> HttpResponse:
    form = AppCreateForm(request.POST)
    if not form.is_valid():
        return render(
            request, "intercom_sandbox/index.html", _index_context(request, form), status=400
        )
    created = services.sandbox_app_create(
        name=form.cleaned_data["name"],
        redirect_uris=form.cleaned_data["redirect_uris"],
        expiring_tokens=form.cleaned_data["expiring_tokens"],
        token_lifetime_seconds=form.cleaned_data["token_lifetime_seconds"],
        uninstall_url=form.cleaned_data["uninstall_url"],
    )
    return _show_credentials(request, created.app, created.client_secret, fresh=True)


@sandbox_only
@require_http_methods(["GET", "POST"])
def app_new(request: HttpRequest) -> HttpResponse:
    """New app: name, workspace and type, then the app's Authentication page."""
    services.workspaces_ensure()
    form = NewAppForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = services.sandbox_app_create(
            name=form.cleaned_data["name"], redirect_uris=[],
            app_type=form.cleaned_data["app_type"], workspace=form.cleaned_data["workspace"],
            use_oauth=False,
        )  # fmt: skip
        messages.success(request, f"Created {created.app.name}.")
        return redirect("sandbox_intercom_app_authentication", client_id=created.app.client_id)
    status = 400 if form.errors else 200
    return render(request, "intercom_sandbox/app_new.html", {"form": form}, status=status)


@sandbox_only
@require_http_methods(["GET", "POST"])
def app_authentication(request: HttpRequest, client_id: str) -> HttpResponse:
    """Authentication: OAuth (Edit → Use OAuth → Add redirect URL → Save) or the token."""
    app = get_object_or_404(SandboxApp, client_id=client_id)
    editing = request.method == "POST" or "edit" in request.GET
    boxes = len(app.redirect_uris)  # none until "Add redirect URL", as at Intercom
    if request.method == "POST":
        boxes = sum(1 for key in request.POST if key.startswith("redirect_url_"))
        boxes += 1 if "add_redirect_url" in request.POST else 0
    initial = {"use_oauth": app.use_oauth,
               **{f"redirect_url_{i}": uri for i, uri in enumerate(app.redirect_uris)}}  # fmt: skip
    data = request.POST if request.method == "POST" and "save" in request.POST else None
    form = AuthenticationForm(data, initial=initial, boxes=boxes)
    if request.method == "POST" and "add_redirect_url" in request.POST:
        # A plain round-trip adds a box; what was typed stays.
        form = AuthenticationForm(initial=dict(request.POST.items()), boxes=boxes)
    elif data is not None and form.is_valid():
        app.use_oauth = form.cleaned_data["use_oauth"]
        app.redirect_uris = form.cleaned_data["redirect_uris"]
        app.save(update_fields=["use_oauth", "redirect_uris"])
        messages.success(request, f"Saved the authentication settings of {app.name}.")
        return redirect("sandbox_intercom_app_authentication", client_id=app.client_id)
    context = {"app": app, "form": form, "editing": editing, "internal": app.app_type == "internal"}
    return render(request, "intercom_sandbox/app_authentication.html", context,
                  status=400 if form.errors else 200)  # fmt: skip


@sandbox_only
@require_GET
def app_basic_information(request: HttpRequest, client_id: str) -> HttpResponse:
    """Basic information: the Client ID and Client secret (this page must not be cached)."""
    app = get_object_or_404(SandboxApp, client_id=client_id)
    secret = app.signing_secret.reveal() if app.signing_secret else ""
    context = {"app": app, "client_secret": secret}
    return no_store(render(request, "intercom_sandbox/app_basic_information.html", context))


@sandbox_only
@require_http_methods(["GET", "POST"])
def app_edit(request: HttpRequest, client_id: str) -> HttpResponse:
    app = get_object_or_404(SandboxApp, client_id=client_id)
    initial = {
        "redirect_uris": app.redirect_uris,
        "expiring_tokens": app.expiring_tokens,
        "token_lifetime_seconds": app.token_lifetime_seconds,
        "uninstall_url": app.uninstall_url,
    }
    form = AppSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.sandbox_app_update(app=app, **form.cleaned_data)
        messages.success(request, f"Saved the settings of {app.name}.")
        return redirect("sandbox_intercom_index")
    status = 400 if form.errors else 200
    context = {"app": app, "form": form, "workspaces": services.workspaces_ensure()}
    return render(request, "intercom_sandbox/app_edit.html", context, status=status)


@sandbox_only
@require_POST
def app_rotate_secret(request: HttpRequest, client_id: str) -> HttpResponse:
    app = get_object_or_404(SandboxApp, client_id=client_id)
    secret = services.sandbox_app_rotate_secret(app=app)
    return _show_credentials(request, app, secret, fresh=False)


@sandbox_only
@require_POST
def app_access_token(request: HttpRequest, client_id: str) -> HttpResponse:
    """Authentication page: an internal integration's access token for one workspace."""
    app = get_object_or_404(SandboxApp, client_id=client_id)
    workspace = get_object_or_404(SandboxWorkspace, id_code=request.POST.get("workspace", ""))
    token = services.sandbox_access_token_issue(app=app, workspace=workspace)
    context = {"app": app, "workspace": workspace, "access_token": token}
    return no_store(render(request, "intercom_sandbox/access_token.html", context))


@sandbox_only
@require_POST
def app_delete(request: HttpRequest, client_id: str) -> HttpResponse:
    app = get_object_or_404(SandboxApp, client_id=client_id)
    app.delete()
    messages.success(request, f"Deleted the sandbox app {app.name}; its tokens no longer work.")
    return redirect("sandbox_intercom_index")


@sandbox_only
@require_POST
def workspace_control(request: HttpRequest, id_code: str) -> HttpResponse:
    workspace = get_object_or_404(SandboxWorkspace, id_code=id_code)
    form = ControlForm(request.POST, prefix=id_code)
    if not form.is_valid():
        problems = "; ".join(
            f"{field}: {' '.join(str(err) for err in errs)}" for field, errs in form.errors.items()
        )
        messages.error(request, f"Nothing changed for {workspace.name}: {problems}")
        return redirect("sandbox_intercom_index")
    try:
        with transaction.atomic():
            control_apply(target=workspace, data=form.cleaned_data)
    except ControlError as error:
        messages.error(request, f"Nothing changed for {workspace.name}: {error}")
        return redirect("sandbox_intercom_index")
    messages.success(
        request, f"{workspace.name}: /me now answers in mode {form.cleaned_data['mode']}."
    )
    return redirect("sandbox_intercom_index")


@sandbox_only
@require_POST
def workspace_permissions(request: HttpRequest, id_code: str) -> HttpResponse:
    workspace = get_object_or_404(SandboxWorkspace, id_code=id_code)
    form = PermissionsForm(request.POST, prefix=f"{id_code}-permissions")
    if not form.is_valid():
        messages.error(request, f"Nothing changed for {workspace.name}: choose known permissions.")
        return redirect("sandbox_intercom_index")
    permissions_withhold(workspace=workspace, data={"withheld": form.cleaned_data["withheld"]})
    withheld = ", ".join(workspace.withheld_permissions) or "none"
    messages.success(request, f"{workspace.name}: withheld permissions: {withheld}.")
    return redirect("sandbox_intercom_index")


@sandbox_only
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(SandboxToken, pk=token_id, kind=TokenKind.ACCESS)
    services.sandbox_tokens_revoke(token=token)
    messages.success(request, f"Revoked the token {token.prefix}…")
    return redirect("sandbox_intercom_index")


@sandbox_only
@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    controls_reset()
    messages.success(request, "All workspaces and tokens answer normally again; counters are zero.")
    return redirect("sandbox_intercom_index")
