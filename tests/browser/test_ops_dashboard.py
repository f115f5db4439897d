"""Browser: an operator opens /ops/ on the seeded demo, filters to revoked, drills down."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.models import Connection
from connectors.ops.demo import DEMO_PASSWORD, demo_seed
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_sees_seeded_numbers_filters_to_revoked_and_drills_down(
    live_server: Any, page: Any
) -> None:
    demo_seed()
    login(page, live_server.url, "ops@demo.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/ops/")
    for status in ["healthy", "degraded", "failing", "revoked", "pending", "disconnected"]:
        shown = page.locator(f'[data-status-count="{status}"] strong').inner_text()
        assert int(shown.replace(",", "")) == Connection.objects.filter(status=status).count()
    assert page.locator("svg.chart").count() >= 4

    # The pause control stops the 15 s refresh (live.js cancels htmx's polls).
    page.get_by_role("button", name="Pause").click()
    assert page.locator("[data-live-pause]").get_attribute("aria-pressed") == "true"

    page.click('[data-status-count="revoked"]')
    page.wait_for_url("**/ops/connections/?status=revoked")
    rows = page.locator(".ops-connection-row")
    assert rows.count() == Connection.objects.filter(status="revoked").count()
    rows.first.locator("a").first.click()
    page.wait_for_url("**/ops/connections/*/")
    assert page.locator("h1 .badge").inner_text() == "revoked"
    assert page.locator("text=Read-only operator view").is_visible()
    assert page.locator("svg.chart-timeline").count() == 1
