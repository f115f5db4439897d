"""In a real browser: an admin registers an app through the guided flow, then lives with it."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_django.fixtures import Settings

from connectors.models import App
from portal.models import AuditEvent, Team, User
from tests.browser.conftest import login
from tests.factories import PASSWORD
from tests.support.leaks import register_test_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = register_test_secret("browser-client-secret-5a7c")
NEW_SECRET = register_test_secret("browser-new-secret-9e1f")


def test_an_admin_registers_replaces_the_secret_and_deletes_an_app(
    page: Any, live_server: Any, team: Team, admin_user: User, settings: Settings
) -> None:
    base = live_server.url
    login(page, base, admin_user.email)

    page.goto(f"{base}/t/{team.slug}/")
    page.click("nav >> text=Apps")
    page.click("text=Add app")
    page.select_option("#id_region", "eu")  # htmx re-renders the steps at once
    page.wait_for_selector("#chosen-region:has-text('EU')")

    # Step 2: the callback URL is there before anything is saved, ready to copy.
    callback = page.input_value("#callback-url")
    assert "/accounts/intercom/intercom-" in callback
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("[data-copy-target=callback-url]")
    page.wait_for_selector("[data-copy-target=callback-url]:has-text('Copied')")

    page.fill("#id_client_id", "browser-client-id")
    page.fill("#id_client_secret", SECRET)
    page.fill("#id_name", "Browser app")
    page.click("text=Save app")

    page.wait_for_selector("#secret-hint")
    app = App.objects.get(team=team)
    assert app.callback_url == callback
    assert app.region == "eu"
    assert page.inner_text("#secret-hint") == f"••••{SECRET[-4:]}"
    assert SECRET not in page.content()
    assert page.input_value("#callback-url") == callback

    # Replacing the secret asks for the password again.
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    page.click("text=Replace")
    page.wait_for_url("**/reauthenticate/**")
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
    page.fill("input[name=password]", PASSWORD)
    page.click("form.allauth-form button[type=submit]")
    page.wait_for_url("**/secret/")
    page.fill("#id_client_secret", NEW_SECRET)
    page.click("text=Replace secret")
    page.wait_for_selector("#secret-hint")
    assert page.inner_text("#secret-hint") == f"••••{NEW_SECRET[-4:]}"

    page.click("text=Delete…")
    page.click("text=Delete the app")
    page.wait_for_selector("text=App “Browser app” deleted.")
    assert not App.objects.filter(team=team).exists()
    actions = set(AuditEvent.objects.filter(team=team).values_list("action", flat=True))
    assert {"app.created", "app.secret_replaced", "app.deleted"} <= actions
