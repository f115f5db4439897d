"""Reusable browser fixtures: Debian's Chromium driven by Playwright's sync API.

`page` is a fresh page in its own context; `new_page()` opens another context (a second
person). `login(page, base_url, email)` signs in through the real form.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail

from tests.factories import PASSWORD
from tests.support.services import need_chromium

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser() -> Iterator[Any]:
    path = need_chromium()
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # the test itself (reading mail.outbox, checking rows) are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser: Any) -> Callable[[], Any]:
    def make() -> Any:
        context = browser.new_context()
        context.set_default_timeout(15_000)
        return context.new_page()

    return make


@pytest.fixture
def page(new_page: Callable[[], Any]) -> Any:
    return new_page()


def login(page: Any, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form.allauth-form button[type=submit]")
    page.wait_for_load_state()


def emailed_code(to: str) -> str:
    """The verification code from the last email sent to `to` (live_server is in-process)."""
    message = next(m for m in reversed(mail.outbox) if to in m.to)
    match = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4}|[A-Z0-9]{6})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def sign_up(page: Any, email: str, password: str = PASSWORD) -> None:
    """Sign up on the current signup page and confirm the email with the emailed code."""
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.click("form.allauth-form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    page.fill("input[name=code]", emailed_code(email))
    page.click("form.allauth-form button[type=submit]")
    page.wait_for_load_state()
