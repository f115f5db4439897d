"""Providers' notifications to the portal, e.g. "the app was uninstalled from a workspace".

A notice is a hint, never proof: it only schedules an immediate health check. One whose
signature the provider verifies with the app's client secret is logged as verified. Every
answer is the same quick 200 (unknown app or workspace alike), so the hook reveals
nothing; a sender that floods it gets 429.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from connectors.models import App
from connectors.providers import absolute_url, provider_get
from connectors.services.connections import connections_request_check
from portal.clientaddr import client_ip
from portal.logs import redact
from portal.ratelimit import hit

# Notices per window per sender address, whatever app they name: counting per app would
# let a sender that varies the app id try without limit.
RATE_LIMIT = 60
RATE_WINDOW_SECONDS = 60
MAX_BODY_BYTES = 10_000

logger = logging.getLogger("connectors.hooks")


def uninstall_hook_url(app: App) -> str:
    """The absolute URL to paste as the app's uninstall URL in the provider's console."""
    path = reverse(
        "hook_uninstall", kwargs={"provider_key": app.provider, "app_public_id": app.public_id}
    )
    return absolute_url(path)


def _over_limit(request: HttpRequest) -> bool:
    name = f"hooks:uninstall:{client_ip(request)}"
    return hit(name, window_seconds=RATE_WINDOW_SECONDS).count > RATE_LIMIT


@csrf_exempt
def uninstall(request: HttpRequest, provider_key: str, app_public_id: str) -> HttpResponse:
    if request.method != "POST":
        return JsonResponse({"error": "POST a JSON notice here."}, status=405)
    if _over_limit(request):
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
