"""No `next` (or other redirect) parameter sends a browser off-site, in any spelling.

The portal has no team-switch endpoint (the switcher is plain links to /t/<slug>/), and
the connect "Try again" button POSTs to a fixed URL, so the views that read `next` are
allauth's: sign-in, sign-up, sign-out, re-authenticate, plus invitation links into them.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import pytest
from django.test import Client

from portal.models import User
from tests.factories import PASSWORD, InvitationFactory
from tests.security.conftest import World, fresh_login

pytestmark = pytest.mark.django_db

EVIL = [
    "https://evil.example/steal",
    "//evil.example/steal",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "http://testserver@evil.example/",
    "javascript:alert(1)",
    " https://evil.example",
    "%2F%2Fevil.example",
]


def assert_on_site(location: str) -> None:
    parts = urlsplit(location.strip())
    assert parts.scheme in {"", "http", "https"}, location
    assert parts.netloc in {"", "testserver"}, location
    assert not location.lstrip().startswith(("//", "\\\\", "/\\")), location
    assert "evil.example" not in parts.netloc, location


def _location(response: object) -> str:
    assert response.status_code in {301, 302, 303}, response.status_code  # type: ignore[attr-defined]
    return str(response["Location"])  # type: ignore[index]


@pytest.mark.parametrize("target", EVIL)
def test_sign_in_never_follows_an_off_site_next(alice: User, target: str) -> None:
    client = Client()
    response = client.post(
        f"/accounts/login/?next={target}", {"login": alice.email, "password": PASSWORD}
    )
    assert_on_site(_location(response))
    # Nor does `next` in the form body.
    other = Client().post(
        "/accounts/login/", {"login": alice.email, "password": PASSWORD, "next": target}
    )
    assert_on_site(_location(other))


@pytest.mark.parametrize("target", EVIL)
def test_sign_out_never_follows_an_off_site_next(alice: User, target: str) -> None:
    client = fresh_login(alice)
    assert_on_site(_location(client.post("/accounts/logout/", {"next": target})))
    client = fresh_login(alice)
    assert_on_site(_location(client.post(f"/accounts/logout/?next={target}")))


@pytest.mark.parametrize("target", EVIL)
def test_reauthentication_never_follows_an_off_site_next(alice: User, target: str) -> None:
    client = fresh_login(alice)
    response = client.post(f"/accounts/reauthenticate/?next={target}", {"password": PASSWORD})
    assert_on_site(_location(response))


@pytest.mark.parametrize("target", EVIL[:4])
def test_sign_up_never_follows_an_off_site_next(target: str) -> None:
    data = {"email": "newcomer@example.com", "password1": PASSWORD, "password2": PASSWORD}
    response = Client().post(f"/accounts/signup/?next={target}", data)
    assert_on_site(_location(response))


def test_an_invitation_leads_only_back_to_itself(world: World, charlie: User) -> None:
    invitation = InvitationFactory(team=world.team, email=charlie.email)
    url = f"/invitations/{invitation.token}/"
    page = Client().get(url, {"next": EVIL[0]}).content.decode()
    nexts = [unquote(n) for n in re.findall(r'\?next=([^"&]+)', page)]
    assert nexts
    for value in nexts:  # the sign-in/up links lead back to this invitation only
        assert value.startswith(url), value
    # Sign in from the invitation's link, then accept: both stay on the site.
    signed = Client()
    response = signed.post(
        f"/accounts/login/?next={url}", {"login": charlie.email, "password": PASSWORD}
    )
    assert _location(response) == url
    accepted = signed.post(url + "?next=" + EVIL[0])
    assert_on_site(_location(accepted))
    assert _location(accepted) == f"/t/{world.team.slug}/"


@pytest.mark.parametrize("target", EVIL[:3])
def test_pages_behind_sign_in_send_anonymous_visitors_to_a_local_next(
    world: World, target: str
) -> None:
    response = Client().get(f"/t/{world.team.slug}/?next={target}")
    location = _location(response)
    assert_on_site(location)
    assert location.startswith("/accounts/login/?next=/t/")
