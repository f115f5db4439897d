"""Helpers for the app tests: the guided flow's form, reauthentication, the leak guard."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from portal.models import Team
from tests.factories import PASSWORD
from tests.support import leaks

leak_guard = leaks.leak_guard  # re-exported so test modules can use the fixture

SECRET = leaks.register_test_secret("s3cr3t-client-value-7f2a9c")
NEW_SECRET = leaks.register_test_secret("n3w-client-secret-value-b41d")


def new_url(team: Team) -> str:
    return reverse("app_new", kwargs={"team_slug": team.slug})


def draft_callback(client: Client, team: Team, region: str = "us") -> str:
    """Open the Add app wizard; answer the redirect URL it shows (its draft's)."""
    page = client.get(new_url(team), {"region": region, "kind": "public"})
    assert page.status_code == 200
    shown = re.compile(
        r'value="([^"]+)"[^>]*id="callback-url"|id="callback-url"[^>]*value="([^"]+)"'
    )
    callback = shown.search(page.content.decode())
    assert callback
    return callback.group(1) or callback.group(2)


def setup_data(callback: str, **overrides: Any) -> dict[str, Any]:
    """What the wizard's form posts for a public app: the redirect URL box comes back."""
    data = {
        "redirect_url": callback,
        "region": "us",
        "kind": "public",
        "name": "Support sync",
        "client_id": "a1b2c3d4-client",
        "client_secret": SECRET,
    }
    data.update(overrides)
    return data


def reauthenticate(client: Client) -> None:
    """Enter the password again, as allauth asks before sensitive actions."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
