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


def pending_and_callback(client: Client, team: Team, region: str = "us") -> tuple[str, str]:
    """Open the guided flow; answer its signed pending id and the callback URL it shows."""
    page = client.get(new_url(team), {"region": region})
    assert page.status_code == 200
    html = page.content.decode()
    pending = re.search(r'name="pending" value="([^"]+)"', html)
    callback = re.search(r'id="callback-url" value="([^"]+)"', html)
    assert pending
    assert callback
    return pending.group(1), callback.group(1)


def setup_data(pending: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "pending": pending,
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
