"""In Chromium: sign up, verify by code, create a team, invite a colleague who joins."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from portal.models import Membership
from portal.roles import Role
from tests.browser.conftest import sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signup_create_team_invite_and_the_colleague_joins(
    live_server: Any, page: Any, new_page: Callable[[], Any]
) -> None:
    base = live_server.url
    page.goto(f"{base}/accounts/signup/")
    sign_up(page, "founder@example.com")
    page.wait_for_url(re.compile(r"/welcome/$"))
    assert "Create a team" in page.content()

    page.fill("input[name=name]", "Initech Support")
    page.click("text=Create team")
    page.wait_for_url(re.compile(r"/t/initech-support/$"))

    page.goto(f"{base}/t/initech-support/invitations/")
    page.fill("input[name=email]", "colleague@example.com")
    page.select_option("select[name=role]", "admin")
    page.click("text=Send invitation")
    page.wait_for_selector("text=Invitation sent to colleague@example.com")
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body)
    assert link
    path = re.sub(r"^https?://[^/]+", "", link.group(0))

    colleague = new_page()
    colleague.goto(f"{base}{path}")
    assert "Join Initech Support" in colleague.content()
    colleague.click("text=Sign up")
    sign_up(colleague, "colleague@example.com")
    if "/invitations/" not in colleague.url:
        colleague.goto(f"{base}{path}")
    colleague.click("text=Accept and join")
    colleague.wait_for_url(re.compile(r"/t/initech-support/$"))
    content = colleague.content()
    assert "Welcome to Initech Support" in content
    # The colleague sees who else is in the team on its Members page.
    colleague.click("nav >> text=Members")
    colleague.wait_for_url(re.compile(r"/t/initech-support/members/$"))
    assert "founder@example.com" in colleague.content()
    membership = Membership.objects.get(user__email="colleague@example.com")
    assert membership.role == Role.ADMIN
