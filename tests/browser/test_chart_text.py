"""In Chromium: chart text is at least 11 px as drawn and no label is cut off, at desktop
and phone sizes, on /ops/ and on a connection page (the issue: ~4 px text, "000 ms")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from connectors.health.outcomes import Outcome
from connectors.models import Check
from portal.models import Team, User
from tests.browser.conftest import login
from tests.dashboards.fleet import fleet_build
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIN_PX = 11
SIZES = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]
# Every <text> of every chart: its drawn font size and whether it lies inside its <svg>.
MEASURE = """() => Array.from(document.querySelectorAll('svg.chart text')).map(t => {
  const svg = t.ownerSVGElement.getBoundingClientRect(), box = t.getBoundingClientRect();
  const scale = t.getScreenCTM().a;
  return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale,
          inside: box.left >= svg.left - 0.5 && box.right <= svg.right + 0.5
                  && box.top >= svg.top - 0.5 && box.bottom <= svg.bottom + 0.5};
})"""


def _slow_checks(connection_id: int) -> None:
    now = timezone.now()
    Check.objects.bulk_create(
        Check(connection_id=connection_id, checked_at=now - timedelta(minutes=10 * k),
              outcome=Outcome.OK, status_after="healthy", latency_ms=ms)
        for k, ms in enumerate([20000, 150, 900, 4000])
    )  # fmt: skip


def test_chart_text_is_readable_and_whole(
    live_server: Any, browser: Any, team: Team, bob: User
) -> None:
    connection = fleet_build(team, 3)[0]
    _slow_checks(connection.pk)
    UserFactory(email="olga.ops@example.com", is_staff=True)
    pages = {bob.email: f"/t/{team.slug}/connections/{connection.pk}/",
             "olga.ops@example.com": "/ops/"}  # fmt: skip
    for size in SIZES:
        for email, url in pages.items():
            context = browser.new_context(viewport=size)
            page = context.new_page()
            login(page, live_server.url, email)
            page.goto(f"{live_server.url}{url}")
            texts = page.evaluate(MEASURE)
            assert len(texts) > 10, url
            small = [t for t in texts if t["px"] < MIN_PX]
            assert small == [], (url, size)
            cut = [t for t in texts if not t["inside"]]
            assert cut == [], (url, size)
            if "connections" in url:
                assert "30 s" in [t["text"] for t in texts]  # the scale over the 20000 ms check
            context.close()
