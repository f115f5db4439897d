"""In Chromium with JavaScript off: the Add app wizard still follows the region and type.

"Show the steps for this choice" (hidden when JavaScript runs) re-renders the steps by a
plain POST; the redirect URL stays the draft's; Save saves the region shown.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from connectors.models import App
from portal.models import Team, User
from tests.browser.conftest import login
from tests.support.leaks import register_test_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = register_test_secret("no-js-client-secret-4d2e")


def test_without_javascript_the_wizard_switches_by_a_round_trip(
    live_server: Any, browser: Any, team: Team, admin_user: User
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    login(page, live_server.url, admin_user.email)
    page.goto(f"{live_server.url}/t/{team.slug}/apps/new/")
    redirect_url = page.get_by_role("textbox", name="Redirect URL").input_value()

    page.get_by_label("Region").select_option(value="sandbox")
    expect(page.get_by_text("Steps for region US")).to_be_visible()  # nothing runs by itself
    page.get_by_role("button", name="Show the steps for this choice").click()
    expect(page.get_by_text("Steps for region Sandbox")).to_be_visible()
    expect(page.get_by_role("link", name="sandbox Developer Hub")).to_be_visible()
    assert page.get_by_role("textbox", name="Redirect URL").input_value() == redirect_url

    page.get_by_label("Client ID").fill("no-js-client")
    page.get_by_label("Client secret").fill(SECRET)
    page.get_by_label("Name").fill("No script app")
    page.get_by_role("button", name="Save app").click()
    expect(page.get_by_role("heading", name="No script app")).to_be_visible()
    app = App.objects.get(team=team)
    assert (app.region, app.callback_url) == ("sandbox", redirect_url)
    context.close()
