"""With SANDBOX_ENABLED off, every sandbox path is a 404."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from connectors.providers.intercom.sandbox.models import SandboxApp

PATHS = [
    ("get", "/sandbox/intercom/"),
    ("get", "/sandbox/intercom/oauth?client_id={client_id}"),
    ("post", "/sandbox/intercom/oauth?client_id={client_id}"),
    ("post", "/sandbox/intercom/auth/eagle/token"),
    ("get", "/sandbox/intercom/me"),
    ("post", "/sandbox/intercom/auth/uninstall"),
    ("post", "/sandbox/intercom/apps/new"),
    ("get", "/sandbox/intercom/apps/{client_id}"),
    ("post", "/sandbox/intercom/apps/{client_id}/rotate-secret"),
    ("post", "/sandbox/intercom/apps/{client_id}/delete"),
    ("post", "/sandbox/intercom/workspaces/acme0us1/control"),
    ("post", "/sandbox/intercom/tokens/1/revoke"),
    ("post", "/sandbox/intercom/reset"),
    ("get", "/sandbox/intercom/_control/workspaces"),
    ("post", "/sandbox/intercom/_control/workspaces/acme0us1"),
    ("get", "/sandbox/intercom/_control/tokens"),
    ("get", "/sandbox/intercom/_control/tokens/1"),
    ("post", "/sandbox/intercom/_control/reset"),
    ("post", "/sandbox/intercom/_control/apps"),
]


@pytest.mark.django_db
@override_settings(SANDBOX_ENABLED=False)
@pytest.mark.parametrize(("method", "path"), PATHS)
def test_every_sandbox_path_is_404_when_disabled(
    client: Client, sandbox_app: SandboxApp, method: str, path: str
) -> None:
    answer = getattr(client, method)(path.format(client_id=sandbox_app.client_id))
    assert answer.status_code == 404
    assert SandboxApp.objects.filter(pk=sandbox_app.pk).exists()
