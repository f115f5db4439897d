"""Team pages for API keys (/t/<slug>/api-keys/) and the server-rendered API docs page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST
from markdown_it import MarkdownIt

from connectors.api.endpoints import api
from connectors.api.forms import ApiKeyForm
from connectors.api.keys import apikey_create, apikey_revoke
from connectors.api.models import ApiKey
from portal.models import Team
from portal.reauth import reauth_required
from portal.roles import Perm
from portal.tenancy import team_object_or_404, team_view


@team_view(Perm.APIKEYS_MANAGE)
def apikey_list(request: HttpRequest, team: Team) -> HttpResponse:
    keys = ApiKey.objects.filter(team=team).select_related("created_by")
    return render(request, "api/key_list.html", {"team": team, "keys": keys, "now": timezone.now()})


@team_view(Perm.APIKEYS_MANAGE)
@reauth_required
def apikey_new(request: HttpRequest, team: Team) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        expires_at = timezone.now() + timedelta(days=int(days)) if days else None
        key, raw = apikey_create(
            team=team, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
            expires_at=expires_at, actor=request.user, request=request,
        )  # fmt: skip
        # The only time the key is shown: rendered in the answer to this POST.
        return render(
            request,
            "api/key_created.html",
            {"team": team, "key": key, "raw": raw.reveal(), "site_url": settings.SITE_URL},
        )
    return render(request, "api/key_new.html", {"team": team, "form": form})


@team_view(Perm.APIKEYS_MANAGE)
@require_POST
def apikey_revoke_view(request: HttpRequest, team: Team, api_key_id: int) -> HttpResponse:
    key = team_object_or_404(team, ApiKey, pk=api_key_id)
    apikey_revoke(key=key, actor=request.user, request=request)
    messages.success(request, f"API key {key.name} ({key.prefix}…) revoked: it stops working now.")
    return redirect("apikey_list", team_slug=team.slug)


# The schema's texts are Markdown (CommonMark); raw HTML in them is shown as text.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def _markdown(text: str) -> SafeString:
    html: str = _MARKDOWN.render(text)
    return mark_safe(html)  # noqa: S308 - html disabled: all text escaped


def _curl(method: str, path: str, params: list[dict[str, Any]]) -> str:
    """A request to copy: the key from $PORTAL_API_KEY, a path parameter from $NAME."""
    url = settings.SITE_URL.rstrip("/") + re.sub(
        r"\{(\w+)\}", lambda m: f"${m.group(1).upper()}", path
    )
    required = [p["name"] for p in params if p["where"] == "query" and p["required"]]
    if required:
        url += "?" + "&".join(f"{name}=…" for name in required)
    verb = "" if method == "GET" else f"-X {method} "
    return f'curl {verb}-H "Authorization: Bearer $PORTAL_API_KEY" "{url}"'


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = [
                {"name": p["name"], "where": p["in"], "required": p.get("required", False),
                 "description": _markdown(p.get("description", "") or "\N{EN DASH}")}
                for p in op.get("parameters", [])
            ]  # fmt: skip
            rows.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": _markdown(op.get("description", "")),
                "params": params, "responses": sorted(op.get("responses", {}).keys()),
                "curl": _curl(method.upper(), path, params),
            })  # fmt: skip
    return rows


def api_docs(request: HttpRequest) -> HttpResponse:
    """The API reference, rendered from the generated OpenAPI document (no CDN, no script)."""
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return render(
        request,
        "api/docs.html",
        {
            "info": schema.get("info", {}),
            "description": _markdown(schema.get("info", {}).get("description", "")),
            "operations": _operations(dict(schema)),
        },
    )
