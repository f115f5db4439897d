"""In Chromium: an internal integration through the wizard, by its access token.

Switching the type to Internal integration swaps the Client ID and secret for the access
token at once; "Check and connect" waits for the provider (here a slow sandbox), and
while it waits its button is disabled and says so.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from connectors.models import App, Connection
from connectors.providers.intercom.sandbox.models import SandboxWorkspace
from portal.models import Team, User
from tests.browser.conftest import login

RECORD_BUSY = """button => new MutationObserver(() => sessionStorage.setItem("busy",
    JSON.stringify({disabled: button.disabled, text: button.textContent.trim()})))
    .observe(button, {attributes: true, childList: true})"""

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_internal_integration_is_checked_and_connected_with_progress_shown(
    live_server: Any, page: Any, settings: Any, team: Team, admin_user: User
) -> None:
    base: str = live_server.url
    settings.SITE_URL = base
    settings.SANDBOX_BASE_URL = f"{base}/sandbox/intercom"
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, base, admin_user.email)

    # The sandbox hub: New app, Internal integration, its access token.
    page.goto(f"{base}/sandbox/intercom/")
    page.get_by_role("link", name="New app").click()
    page.get_by_label("App name").fill("Own workspace")
    page.get_by_label("Workspace").select_option(label="Acme Support (acme0us1)")
    page.get_by_label("Internal integration").check()
    page.get_by_role("button", name="Create app").click()
    page.get_by_role("button", name="Show access token").click()
    token = page.get_by_role("textbox", name="Access token").input_value()

    page.goto(f"{base}/t/{team.slug}/apps/new/")
    page.get_by_label("Region").select_option(value="sandbox")
    expect(page.get_by_label("Client ID")).to_be_visible()
    page.get_by_label(re.compile("Internal integration")).check()
    expect(page.get_by_role("textbox", name="Access token")).to_be_visible()
    expect(page.get_by_label("Client ID")).to_have_count(0)
    expect(page.get_by_label("Redirect URL")).to_have_count(0)

    # The sandbox answers /me slowly: the button shows progress and cannot be pressed again.
    SandboxWorkspace.objects.filter(id_code="acme0us1").update(latency_ms=2000)
    page.get_by_role("textbox", name="Access token").fill(token)
    page.get_by_label("Name").fill("Own workspace")
    # What the button shows while the request is out is recorded where it outlives the
    # page (the browser blocks reading a page that is navigating away).
    page.get_by_role("button", name="Check and connect").evaluate(RECORD_BUSY)
    page.get_by_role("button", name="Check and connect").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acme Support")
    expect(page.get_by_role("heading", level=1)).to_contain_text("healthy")

    app = App.objects.get(team=team)
    assert (app.kind, app.region, app.client_id) == ("internal", "sandbox", "")
    assert Connection.objects.get(app=app).status == "healthy"
    busy = page.evaluate("JSON.parse(sessionStorage.getItem('busy') || 'null')")
    assert busy == {"disabled": True, "text": "Checking the token with Intercom…"}
    assert errors == []
