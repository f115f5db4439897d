"""Pages of registered apps: list, guided setup, app page, edit, replace secret, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from connectors.forms import AppCapabilitiesForm, AppEditForm, AppSecretForm, AppSetupForm
from connectors.models import App, AppKind
from connectors.providers import Provider, provider_choices, provider_get
from connectors.services import apps as app_services
from connectors.services.connections import TokenRejected
from connectors.views.app_draft import draft_choose, draft_finish, draft_get
from portal.models import Team, User
from portal.reauth import reauth_required
from portal.roles import Perm, role_allows
from portal.secrets import SecretDecryptionError, secret_hint
from portal.tenancy import current_membership, team_object_or_404, team_view


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _may_manage(request: HttpRequest) -> bool:
    membership = current_membership(request)
    return membership is not None and role_allows(membership.role, Perm.APPS_MANAGE)


def _app(team: Team, app_public_id: str) -> App:
    return team_object_or_404(team, App, public_id=app_public_id)


def _spec_from(request: HttpRequest) -> Provider:
    keys = [key for key, _name in provider_choices()]
    key = request.GET.get("provider") or (keys[0] if keys else "")
    try:
        return provider_get(key)
    except LookupError:
        raise Http404("No such provider.") from None


def _region_label(app: App) -> str:
    region = app.spec.region(app.region)
    return region.label if region else f"{app.region} (no longer available here)"


@team_view(perm=Perm.APPS_VIEW)
def app_list(request: HttpRequest, team: Team) -> HttpResponse:
    apps = [
        {"app": app, "region": _region_label(app), "connections": app.connections.count()}
        for app in App.objects.filter(team=team)
    ]
    return render(
        request,
        "connectors/app_list.html",
        {"team": team, "apps": apps, "may_manage": _may_manage(request)},
    )


# What a "Show the steps" round-trip (no JavaScript) or an htmx switch carries over.
_WIZARD_CHOICES = ("region", "kind", "name", "client_id")


@team_view(perm=Perm.APPS_MANAGE)
def app_new(request: HttpRequest, team: Team) -> HttpResponse:
    spec = _spec_from(request)
    draft = draft_get(request, team=team, provider=spec.key)
    # "Show the steps" (and htmx on a change of region or type) re-renders the steps for
    # what is chosen, without saving and without complaining about boxes not filled yet.
    switching = request.method == "POST" and "show_steps" in request.POST
    form: AppSetupForm
    if request.method == "POST" and not switching:
        form = AppSetupForm(request.POST, team=team, spec=spec, public_id=draft.public_id)
        if form.is_valid():
            saved = _app_save(request, team, spec, form)
            if saved is not None:
                draft_finish(request, team=team, provider=spec.key)
                return saved
    else:
        source = request.POST if switching else request.GET
        initial = {**draft.choices, **{k: source[k] for k in _WIZARD_CHOICES if source.get(k)}}
        if spec.region_choices() and spec.region(initial.get("region", "")) is None:
            initial.pop("region", None)  # an unknown region shows the default's steps
        if initial.get("kind") not in AppKind.values:
            initial.pop("kind", None)
        form = AppSetupForm(initial=initial, team=team, spec=spec, public_id=draft.public_id)
    draft_choose(
        request, team=team, provider=spec.key,
        region=form.value_of("region"), kind=form.value_of("kind"),
    )  # fmt: skip
    region = spec.region(form.value_of("region")) or spec.region(spec.default_region)
    return render(
        request,
        "connectors/app_new.html",
        {
            "team": team,
            "spec": spec,
            "form": form,
            "region": region,
            "internal": form.is_internal,
            "callback_url": form.callback_url,
        },
    )


def _app_save(
    request: HttpRequest, team: Team, spec: Provider, form: AppSetupForm
) -> HttpResponse | None:
    """Save the wizard's app (and, for an internal integration, connect its workspace)."""
    data = form.cleaned_data
    try:
        if data["kind"] == AppKind.INTERNAL:
            result = app_services.app_create_with_token(
                team=team, actor=_actor(request), provider=spec.key, name=data["name"],
                region=data["region"], token=data["access_token"], public_id=form.public_id,
                request=request,
            )  # fmt: skip
        else:
            app = app_services.app_create(
                team=team, actor=_actor(request), provider=spec.key, kind=data["kind"],
                name=data["name"], region=data["region"], client_id=data["client_id"],
                client_secret=data["client_secret"], public_id=form.public_id, request=request,
            )  # fmt: skip
    except TokenRejected as rejected:
        form.add_error("access_token", rejected.message)
        return None
    except app_services.AppError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None
    if data["kind"] == AppKind.INTERNAL:
        connection = result.connection
        name = connection.workspace_name or connection.external_id
        messages.success(request, f"App “{data['name']}” saved and {name} connected.")
        if result.region_note:
            messages.warning(request, result.region_note)
        return redirect("connection_detail", team_slug=team.slug, connection_id=connection.pk)
    messages.success(request, f"App “{app.name}” saved. Its secret is stored encrypted.")
    return redirect("app_detail", team_slug=team.slug, app_public_id=app.public_id)


def _secret_display(app: App) -> dict[str, Any]:
    try:
        return {"hint": secret_hint(app.client_secret), "unreadable": False}
    except SecretDecryptionError:
        # Shown as a state to fix, never as an error page.
        return {"hint": "", "unreadable": True}


@team_view(perm=Perm.APPS_VIEW)
def app_detail(request: HttpRequest, team: Team, app_public_id: str) -> HttpResponse:
    app = _app(team, app_public_id)
    may_manage = _may_manage(request)
    return render(
        request,
        "connectors/app_detail.html",
        {
            "team": team,
            "app": app,
            "region_label": _region_label(app),
            "connections": app.connections.all(),
            "may_manage": may_manage,
            # Members and viewers never see even the masked hint.
            "secret": _secret_display(app) if may_manage else None,
            "has_secret": App.objects.filter(pk=app.pk, client_secret__isnull=False).exists(),
            "capabilities_form": _capabilities_form(app) if may_manage else None,
            "declared": app.declared_capabilities(),
        },
    )


def _capabilities_form(app: App, data: Any = None) -> AppCapabilitiesForm:
    return AppCapabilitiesForm(
        data, provider=app.spec, initial={"capabilities": list(app.capabilities or [])}
    )


@team_view(perm=Perm.APPS_MANAGE)
def app_capabilities(request: HttpRequest, team: Team, app_public_id: str) -> HttpResponse:
    """POST the ticked capabilities; each connection of the app is checked against them."""
    app = _app(team, app_public_id)
    if request.method != "POST":
        return redirect("app_detail", team_slug=team.slug, app_public_id=app.public_id)
    form = _capabilities_form(app, request.POST)
    if form.is_valid():
        try:
            changed = app_services.app_capabilities_set(
                app=app, actor=_actor(request), keys=form.cleaned_data["capabilities"],
                request=request,
            )  # fmt: skip
        except app_services.AppError as exc:
            form.add_error("capabilities", exc.message)
        else:
            if changed:
                messages.success(
                    request,
                    "Capabilities saved: every connection of this app is checked against "
                    "them within a minute.",
                )
            else:
                messages.info(request, "Nothing changed.")
            return redirect("app_detail", team_slug=team.slug, app_public_id=app.public_id)
    problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
    messages.error(request, f"The capabilities were not saved: {problems}")
    return redirect("app_detail", team_slug=team.slug, app_public_id=app.public_id)


@team_view(perm=Perm.APPS_MANAGE)
def app_edit(request: HttpRequest, team: Team, app_public_id: str) -> HttpResponse:
    app = _app(team, app_public_id)
    connection_count = app_services.app_active_connections(app).count()
    form = AppEditForm(request.POST or None, app=app, connection_count=connection_count)
    if request.method == "POST" and form.is_valid():
        try:
            app_services.app_update(
                app=app,
                actor=_actor(request),
                name=form.cleaned_data["name"],
                region=form.cleaned_data["region"],
                check_interval_seconds=form.check_interval_seconds,
                request=request,
            )
        except app_services.AppError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "App settings saved.")
            return redirect("app_detail", team_slug=team.slug, app_public_id=app.public_id)
    return render(
        request,
        "connectors/app_edit.html",
        {"team": team, "app": app, "form": form, "connection_count": connection_count},
    )


@team_view(perm=Perm.APPS_MANAGE)
@reauth_required
def app_secret(request: HttpRequest, team: Team, app_public_id: str) -> HttpResponse:
    app = _app(team, app_public_id)
    form = AppSecretForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            app_services.app_replace_secret(
                app=app,
                actor=_actor(request),
                client_secret=form.cleaned_data["client_secret"],
                request=request,
            )
        except app_services.AppError as exc:
            form.add_error("client_secret", exc.message)
        else:
            messages.success(request, "Client secret replaced. The old one is gone.")
            return redirect("app_detail", team_slug=team.slug, app_public_id=app.public_id)
    return render(
        request,
        "connectors/app_secret.html",
        {"team": team, "app": app, "form": form, "secret": _secret_display(app)},
    )


@team_view(perm=Perm.APPS_MANAGE)
@reauth_required
def app_delete(request: HttpRequest, team: Team, app_public_id: str) -> HttpResponse:
    app = _app(team, app_public_id)
    if request.method == "POST":
        name = app.name
        count = app_services.app_delete(app=app, actor=_actor(request), request=request)
        disconnected = (
            f" {count} connection{'s' if count != 1 else ''} disconnected." if count else ""
        )
        messages.success(request, f"App “{name}” deleted.{disconnected}")
        return redirect("app_list", team_slug=team.slug)
    return render(
        request,
        "connectors/app_delete.html",
        {"team": team, "app": app, "connections": app_services.app_active_connections(app)},
    )
