"""In Chromium at phone size (390x844): no page scrolls sideways; wide tables scroll in their
own box with a visible hint; the header collapses behind a Menu button."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from connectors.ops.demo import DEMO_PASSWORD, demo_seed
from portal.models import Membership, Team, User
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _width(page: Any) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth"))


def test_no_page_scrolls_sideways_at_phone_size(live_server: Any, browser: Any) -> None:
    demo_seed()
    team = Team.objects.filter(memberships__isnull=False).order_by("pk").first()
    assert team is not None
    owner = Membership.objects.filter(team=team, role="owner").select_related("user").first()
    assert owner is not None
    # The demo's operator sees /ops/; a member of the first demo team sees its pages.
    pages = {"ops@demo.example": ["/ops/", "/ops/connections/?status=revoked"],
             owner.user.email: [f"/t/{team.slug}/", f"/t/{team.slug}/members/",
                                f"/t/{team.slug}/apps/"]}  # fmt: skip
    connection = team.connections.order_by("pk").first()
    assert connection is not None
    pages[owner.user.email].append(f"/t/{team.slug}/connections/{connection.pk}/")
    errors: list[str] = []
    for email, urls in pages.items():
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        login(page, live_server.url, email, DEMO_PASSWORD)
        for url in urls:
            page.goto(f"{live_server.url}{url}")
            assert _width(page) <= PHONE["width"], url
        if email != "ops@demo.example":
            _wide_table_and_menu(page, live_server.url, team.slug)
        context.close()
    assert errors == []


def _wide_table_and_menu(page: Any, base: str, slug: str) -> None:
    page.goto(f"{base}/t/{slug}/")
    # The overview's table is wider than the phone: it scrolls in its box, and says so.
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")
    expect(page.get_by_text("Scroll the table sideways for more")).to_be_visible()
    # The header collapses behind Menu.
    members = page.get_by_role("navigation", name="Main").get_by_role("link", name="Members")
    expect(members).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(members).to_be_visible()
    members.click()
    page.wait_for_url(f"**/t/{slug}/members/")
    assert _width(page) <= PHONE["width"]


def test_at_desktop_size_the_header_stays_on_one_line_with_a_long_team_name(
    live_server: Any, page: Any, team: Team, bob: User
) -> None:
    team.name = "The Extremely Long Named Customer Support Operations Team of Example Corp"
    team.save()
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, live_server.url, bob.email)
    page.goto(f"{live_server.url}/t/{team.slug}/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_text("Scroll the table sideways for more")).to_have_count(0)
    brand = page.locator(".brand").bounding_box()
    sign_out = page.get_by_role("button", name="Sign out").bounding_box()
    assert brand is not None
    assert sign_out is not None
    assert abs(brand["y"] + brand["height"] / 2 - (sign_out["y"] + sign_out["height"] / 2)) < 8
