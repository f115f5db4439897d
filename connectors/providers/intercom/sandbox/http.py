"""Answers in Intercom's shapes, and the sandbox-only gate every view passes."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from connectors.providers.intercom.versions import published_versions

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def sandbox_only(view: ViewFunc) -> ViewFunc:
    """404 unless SANDBOX_ENABLED, checked per request so override_settings works."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(settings, "SANDBOX_ENABLED", False):
            raise Http404("The sandbox Intercom is disabled.")
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def error_list(status: int, code: str, message: str) -> JsonResponse:
    """Intercom's error body: {"type": "error.list", "request_id", "errors": [...]}."""
    body = {
        "type": "error.list",
        "request_id": str(uuid.uuid4()),
        "errors": [{"code": code, "message": message}],
    }
    return JsonResponse(body, status=status)


def oauth_error(status: int, error: str, description: str) -> JsonResponse:
    """OAuth2-style error, used by the refresh grant (RFC 6749 section 5.2)."""
    return JsonResponse({"error": error, "error_description": description}, status=status)


def version_error(request: HttpRequest) -> JsonResponse | None:
    """A 400 for an `Intercom-Version` Intercom does not publish; none: the app's default."""
    version = request.headers.get("Intercom-Version")
    published = published_versions()
    if version is None or version.strip() in published:
        return None
    return error_list(
        400,
        "intercom_version_invalid",
        f"The requested version could not be found: {version[:20]!r}. Use one of "
        f"{', '.join(published)}.",
    )


def bearer_token(request: HttpRequest) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response
