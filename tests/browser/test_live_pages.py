"""In Chromium: open team pages refresh themselves, show their age and can be paused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from connectors.models import Connection
from portal.models import Team, User
from tests.browser.conftest import login
from tests.dashboards.fleet import fleet_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_open_connection_page_turns_revoked_without_a_reload(
    live_server: Any, settings: Any, page: Any, team: Team, bob: User
) -> None:
    settings.LIVE_REFRESH_SECONDS = 1
    connection = fleet_build(team, 5)[0]
    Connection.objects.filter(pk=connection.pk).update(status="healthy")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server.url, bob.email)
    page.goto(f"{live_server.url}/t/{team.slug}/connections/{connection.pk}/")
    badge = page.locator("h1 .badge")
    assert badge.inner_text() == "healthy"
    expect(page.get_by_text(re.compile(r"Updated \d+ s ago"))).to_be_visible()

    # What the engine writes when a confirming retry finds the token dead.
    Connection.objects.filter(pk=connection.pk).update(
        status="revoked", status_reason="The token was revoked: reconnect."
    )
    expect(badge).to_have_text("revoked")
    assert page.locator(".status-reason").inner_text() == "The token was revoked: reconnect."

    # Paused, it stops: a later change is not shown until Resume.
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text(re.compile(r"Updated \d+ s ago · paused"))).to_be_visible()
    Connection.objects.filter(pk=connection.pk).update(status="failing")
    page.wait_for_timeout(2500)
    assert badge.inner_text() == "revoked"
    page.get_by_role("button", name="Resume").click()
    expect(badge).to_have_text("failing")
    assert errors == []


def test_an_open_overview_shows_new_problems_without_a_reload(
    live_server: Any, settings: Any, page: Any, team: Team, bob: User
) -> None:
    settings.LIVE_REFRESH_SECONDS = 1
    fleet_build(team, 14)
    login(page, live_server.url, bob.email)
    page.goto(f"{live_server.url}/t/{team.slug}/")
    revoked = page.locator('[data-status-count="revoked"] strong')
    assert revoked.inner_text() == "2"
    Connection.objects.filter(team=team, status="healthy").update(status="revoked")
    expect(revoked).to_have_text("6")
    assert page.locator(".connection-row .badge-revoked").count() == 6
