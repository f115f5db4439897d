"""In Chromium with a virtual authenticator: add a passkey, then sign in with it.

WebAuthn needs a secure context. live_server serves http://localhost, which browsers treat
as one and fido2 accepts as an origin, so no insecure-origin override is needed here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from portal.models import User
from tests.browser.conftest import login
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSKEY_NAME = "Laptop passkey"


def with_virtual_authenticator(page: Any) -> list[str]:
    """Give `page` a platform authenticator that always verifies the user.

    Returns the list the page's CSP violations are collected into: allauth's WebAuthn
    pages must work under our strict script-src 'self'.
    """
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    violations: list[str] = []

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    return violations


def add_passkey(page: Any, base: str, user: User) -> Authenticator:
    """Sign in with the password and register a passwordless key from the MFA pages."""
    login(page, base, user.email)
    page.goto(f"{base}{reverse('mfa_index')}")
    assert "Security Keys" in page.content()
    page.goto(f"{base}{reverse('mfa_add_webauthn')}")
    if "/reauthenticate/" in page.url:
        # allauth asks again for the password when the sign-in is not recent enough.
        page.fill("input[name=password]", PASSWORD)
        page.click("form.allauth-form button[type=submit]")
        page.wait_for_url(re.compile(r"/webauthn/add/"))
    page.fill("input[name=name]", PASSKEY_NAME)
    page.check("input[name=passwordless]")
    page.click("#mfa_webauthn_add")
    # The first key also generates recovery codes, which allauth shows straight away.
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    page.goto(f"{base}{reverse('mfa_list_webauthn')}")
    assert PASSKEY_NAME in page.content()
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert authenticator.wrap().is_passwordless  # type: ignore[union-attr]
    # Registering is not using: only a sign-in with the key stamps last_used_at.
    assert authenticator.last_used_at is None
    return authenticator


def sign_out(page: Any, base: str) -> None:
    page.click("nav >> text=Sign out")
    page.wait_for_load_state()
    page.goto(f"{base}{reverse('mfa_index')}")
    assert "/accounts/login/" in page.url


def assert_signed_in_with(page: Any, base: str, authenticator: Authenticator) -> None:
    """The browser lands signed in, and it was the passkey that signed it in."""
    page.wait_for_url(re.compile(r"/welcome/$"))
    authenticator.refresh_from_db()
    assert authenticator.last_used_at is not None
    page.goto(f"{base}{reverse('mfa_index')}")
    assert reverse("mfa_index") in page.url
    assert "Sign out" in page.content()


def test_a_passkey_is_asked_for_as_the_second_factor_after_the_password(
    live_server: Any, page: Any
) -> None:
    base = live_server.url
    assert base.startswith("http://localhost:"), base
    violations = with_virtual_authenticator(page)
    user = UserFactory()
    authenticator = add_passkey(page, base, user)
    sign_out(page, base)

    login(page, base, user.email)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    assert "Two-Factor Authentication" in page.content()
    page.click("#mfa_webauthn_authenticate")
    assert_signed_in_with(page, base, authenticator)
    assert violations == []


def test_a_passkey_signs_in_without_a_password(live_server: Any, page: Any) -> None:
    base = live_server.url
    violations = with_virtual_authenticator(page)
    user = UserFactory()
    authenticator = add_passkey(page, base, user)
    sign_out(page, base)

    page.goto(f"{base}{reverse('account_login')}")
    page.click("#passkey_login")
    assert_signed_in_with(page, base, authenticator)
    assert violations == []
