"""The first ten minutes, in Chromium, driven only by what a person sees (labels, roles, text).

Sign up, create a team, add a Sandbox app by following the wizard's own steps in the
sandbox Developer Hub (with a reload between copying the redirect URL and saving), connect
a workspace; revoke its token in the sandbox and watch the open connection page turn
`revoked` by itself; reconnect. At desktop and phone size, every page fits the screen and
no console error appears.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django import db
from playwright.sync_api import expect

from connectors.models import App, Connection
from connectors.tasks import check_now
from portal.celery import app as celery_app
from tests.browser.conftest import emailed_code
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@contextmanager
def _instant_worker() -> Iterator[None]:
    """Tasks run when queued, as if a worker were instant (the confirming retry too)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = before


def _worker_checks(connection_id: int) -> None:
    """The scheduled check a worker runs, then its confirming retry; in a thread of its
    own, as Playwright's event loop owns this one."""

    def run() -> None:
        try:
            with _instant_worker():
                check_now(connection_id)
        finally:
            db.connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()


class Visits:
    """Every page the person sees: it must fit the screen, with no console error."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Any) -> Any:
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        return page

    def fits(self, page: Any) -> None:
        page.wait_for_load_state()
        wide = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert wide, f"{page.url} scrolls sideways"


def _nav(page: Any, name: str) -> None:
    """A link of the main navigation; at phone size it is behind Menu."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_from_sign_up_to_a_connected_workspace_that_breaks_and_recovers(
    live_server: Any, browser: Any, settings: Any, viewport: dict[str, int]
) -> None:
    base: str = live_server.url
    settings.SITE_URL = base
    settings.SANDBOX_BASE_URL = f"{base}/sandbox/intercom"
    settings.LIVE_REFRESH_SECONDS = 1
    visits = Visits()
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    page = visits.watch(context.new_page())

    # Sign up, confirm the email, create a team.
    email = "newcomer@example.com"
    page.goto(f"{base}/accounts/signup/")
    visits.fits(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile(r"Password \(again\)")).fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    visits.fits(page)
    page.get_by_label("Code").fill(emailed_code(email))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("You are not in a team yet")).to_be_visible()
    visits.fits(page)
    page.get_by_label("Name").fill("Newcomer Support")
    page.get_by_role("button", name="Create team").click()
    page.wait_for_url(re.compile(r"/t/[\w-]+/$"))
    visits.fits(page)

    # Add app: choosing Sandbox updates the steps at once.
    _nav(page, "Apps")
    visits.fits(page)
    page.get_by_role("link", name="Add app").click()
    visits.fits(page)
    page.get_by_label("Region").select_option(label="Sandbox (this portal's stand-in Intercom)")
    expect(page.get_by_text("Steps for region Sandbox")).to_be_visible()
    visits.fits(page)
    expect(page.get_by_role("link", name="sandbox Developer Hub")).to_be_visible()
    expect(page.get_by_label("Public app", exact=False)).to_be_checked()
    redirect_url = page.get_by_label("Redirect URL").input_value()
    assert "/accounts/intercom/intercom-" in redirect_url

    # Step 1 in the sandbox hub, opened from the wizard's link: New app.
    with context.expect_page() as opened:
        page.get_by_role("link", name="sandbox Developer Hub").click()
    hub = visits.watch(opened.value)
    visits.fits(hub)
    hub.get_by_role("link", name="New app").click()
    visits.fits(hub)
    hub.get_by_label("App name").fill("Newcomer sandbox app")
    hub.get_by_label("Workspace").select_option(label="Acme Support (acme0us1)")
    hub.get_by_label("Public app").check()
    hub.get_by_role("button", name="Create app").click()
    # Step 2: Authentication → Edit → Use OAuth → Add redirect URL → paste → Save.
    expect(hub.get_by_role("heading", name="Authentication")).to_be_visible()
    visits.fits(hub)
    hub.get_by_role("link", name="Edit").click()
    visits.fits(hub)
    hub.get_by_label("Use OAuth").check()
    hub.get_by_role("button", name="Add redirect URL").click()
    visits.fits(hub)
    hub.get_by_label("Redirect URL 1").fill(redirect_url)
    hub.get_by_role("button", name="Save").click()
    expect(hub.get_by_text(redirect_url)).to_be_visible()
    visits.fits(hub)

    # A reload of the wizard keeps the redirect URL (and the region chosen).
    page.reload()
    visits.fits(page)
    assert page.get_by_label("Redirect URL").input_value() == redirect_url
    expect(page.get_by_label("Region")).to_have_value("sandbox")

    # Step 4: Basic information → Client ID and Client secret, pasted into the wizard.
    hub.get_by_role("link", name="Basic information").click()
    visits.fits(hub)
    client_id = hub.get_by_role("textbox", name="Client ID").input_value()
    client_secret = hub.get_by_role("textbox", name="Client secret").input_value()
    page.get_by_label("Client ID").fill(client_id)
    page.get_by_label("Client secret").fill(client_secret)
    page.get_by_label("Name").fill("Newcomer helpdesk")
    page.get_by_role("button", name="Save app").click()
    expect(page.get_by_role("heading", name="Newcomer helpdesk")).to_be_visible()
    visits.fits(page)
    app = App.objects.get(name="Newcomer helpdesk")
    assert (app.region, app.callback_url) == ("sandbox", redirect_url)

    # Connect a workspace through the sandbox's consent page.
    page.get_by_role("button", name="Connect workspace").click()
    page.get_by_label(re.compile("Acme Support")).check()
    visits.fits(page)
    page.get_by_role("button", name="Approve").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Acme Support")
    expect(heading).to_contain_text("healthy")
    visits.fits(page)

    # Break it in the sandbox; the open connection page turns revoked by itself.
    hub.goto(f"{base}/sandbox/intercom/")
    visits.fits(hub)
    hub.get_by_role("button", name="Revoke now").first.click()
    expect(hub.get_by_text(re.compile(r"Revoked the token"))).to_be_visible()
    connection = Connection.objects.get(app=app)
    _worker_checks(connection.pk)
    expect(heading).to_contain_text("revoked")
    visits.fits(page)

    # Recover: Reconnect, Approve, healthy again.
    page.get_by_role("button", name="Reconnect").click()
    page.get_by_label(re.compile("Acme Support")).check()
    visits.fits(page)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("healthy")
    visits.fits(page)
    assert Connection.objects.get(app=app).status == "healthy"
    context.close()
    assert visits.errors == []
