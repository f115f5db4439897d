"""In Chromium: connect a sandbox workspace through the consent page, then Deny once.

The app is registered through the ORM (tests/browser/test_apps.py covers the app
registration pages); everything after that is clicked in the browser.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from connectors.models import Connection
from portal.models import Team, User
from tests.browser.conftest import login
from tests.connect.live import sandbox_apps_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_a_sandbox_workspace_then_deny_a_second_try(
    live_server: Any, settings: Any, page: Any, team: Team, bob: User
) -> None:
    base: str = live_server.url
    settings.SITE_URL = base
    settings.SANDBOX_BASE_URL = f"{base}/sandbox/intercom"
    app = sandbox_apps_for([team], base, name="Browser helpdesk")[0]

    login(page, base, bob.email)
    page.goto(f"{base}/t/{team.slug}/apps/{app.public_id}/")
    page.click("text=Connect workspace")
    page.wait_for_url(re.compile(r"/sandbox/intercom/oauth"))
    assert "Browser helpdesk" in page.content()
    page.check("input[value=acme0us1]")
    page.click("button[name=approve]")
    page.wait_for_url(re.compile(r"/connections/\d+/$"))
    assert "Acme Support" in page.inner_text("h1")
    assert page.inner_text(".badge[data-status]").strip() == "healthy"
    assert "ok" in page.inner_text(".health-check-row")
    assert Connection.objects.get().status == "healthy"

    page.goto(f"{base}/t/{team.slug}/apps/{app.public_id}/")
    page.click("text=Connect workspace")
    page.wait_for_url(re.compile(r"/sandbox/intercom/oauth"))
    page.click("button[name=deny]")
    page.wait_for_load_state()
    assert "Connection cancelled" in page.content()
    assert page.is_visible("text=Try again")
    assert Connection.objects.count() == 1
