"""Providers' notifications to the portal, e.g. "the app was uninstalled from a workspace".

A notice is a hint, never proof: it only schedules an immediate health check. One whose
signature the provider verifies with the app's client secret is logged as verified. Every
answer is the same quick 200 (unknown app or workspace alike), so the hook reveals
nothing; a sender that floods it gets 429.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from connectors.health.outcomes import redact
from connectors.models import App
from connectors.providers import absolute_url, provider_get
from connectors.services.connections import connections_request_check

logger = logging.getLogger("connectors.hooks")

RATE_LIMIT = 30  # notices per window, per app and sender address
RATE_WINDOW_SECONDS = 60
MAX_BODY_BYTES = 10_000


def uninstall_hook_url(app: App) -> str:
    """The absolute URL to paste as the app's uninstall URL in the provider's console."""
    path = reverse(
        "hook_uninstall", kwargs={"provider_key": app.provider, "app_public_id": app.public_id}
    )
    return absolute_url(path)


def _over_limit(request: HttpRequest, app_public_id: str) -> bool:
    sender = request.META.get("REMOTE_ADDR", "")
    key = f"hooks:uninstall:{app_public_id[:40]}:{sender}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: start a new window
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)
        count = 1
    return count > RATE_LIMIT


@csrf_exempt
def uninstall(request: HttpRequest, provider_key: str, app_public_id: str) -> HttpResponse:
    if request.method != "POST":
        return JsonResponse({"error": "POST a JSON notice here."}, status=405)
    if _over_limit(request, app_public_id):
        return JsonResponse({"error": "Too many notices; slow down."}, status=429)
    body = request.body[: MAX_BODY_BYTES + 1]
    try:
        spec = provider_get(provider_key)
    except LookupError:
        spec = None
    if spec is not None and spec.takes_uninstall_notices and len(body) <= MAX_BODY_BYTES:
        workspace = spec.uninstall_workspace(body)
        app = App.objects.filter(provider=spec.key, public_id=app_public_id).first()
        if workspace and app is not None:
            verified = spec.uninstall_notice_verified(body, request.headers, app.client_secret)
            count = connections_request_check(app=app, external_id=workspace, now=timezone.now())
            logger.info(
                "uninstall notice for app %s, workspace %s: %s; %d connection(s) to check now",
                app.public_id, redact(workspace, limit=100),
                "verified" if verified else "unverified (a hint only)", count,
            )  # fmt: skip
    return JsonResponse({"ok": True})
