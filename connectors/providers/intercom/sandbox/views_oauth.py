"""The consent page Intercom shows at `/oauth`: Approve or Deny, then back to the app."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from connectors.providers.intercom.sandbox import services
from connectors.providers.intercom.sandbox.forms import ConsentForm
from connectors.providers.intercom.sandbox.http import sandbox_only
from connectors.providers.intercom.sandbox.models import SandboxApp


def _with_query(url: str, params: dict[str, str]) -> str:
    """Add params to a URL, keeping any query it already has."""
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _error_page(request: HttpRequest, title: str, message: str) -> HttpResponse:
    # Never redirect on these: the redirect target itself is what we cannot trust.
    context = {"title": title, "message": message}
    return render(request, "intercom_sandbox/error.html", context, status=400)


@sandbox_only
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """GET shows the consent page; POST approves (code) or denies (access_denied)."""
    client_id = request.GET.get("client_id", "").strip()
    state = request.GET.get("state", "")
    app = SandboxApp.objects.filter(client_id=client_id).first() if client_id else None
    if app is None:
        return _error_page(
            request,
            "Unknown app",
            f"No sandbox app has the client ID {client_id[:64]!r}. Check the Client ID the "
            "portal has for this app against the sandbox Developer Hub.",
        )
    if not app.use_oauth:
        return _error_page(
            request,
            "OAuth is off for this app",
            f"The app {app.name!r} does not use OAuth. In the sandbox Developer Hub open its "
            "Authentication page, press Edit, tick Use OAuth, add the redirect URL and Save.",
        )
    redirect_uri = services.redirect_uri_resolve(
        app=app, requested=request.GET.get("redirect_uri", "").strip()
    )
    if redirect_uri is None:
        return _error_page(
            request,
            "Redirect URL not registered",
            f"The app {app.name!r} has no redirect URL matching this request. Add the portal's "
            "callback URL, exactly, to the app's redirect URLs in the sandbox Developer Hub.",
        )
    workspaces = services.workspaces_ensure()
    form = ConsentForm(request.POST or None, initial={"workspace": workspaces.first()})
    state_param = {"state": state} if state else {}
    if request.method == "POST":
        if "deny" in request.POST:
            params = {
                "error": "access_denied",
                "error_description": "The user denied access to the app.",
                **state_param,
            }
            return HttpResponseRedirect(_with_query(redirect_uri, params))
        if form.is_valid():
            code = services.sandbox_code_issue(
                app=app, workspace=form.cleaned_data["workspace"], redirect_uri=redirect_uri
            )
            return HttpResponseRedirect(_with_query(redirect_uri, {"code": code, **state_param}))
    context = {
        "app": app,
        "form": form,
        "workspaces": workspaces,
        "redirect_uri": redirect_uri,
    }
    return render(
        request, "intercom_sandbox/consent.html", context, status=400 if form.errors else 200
    )
