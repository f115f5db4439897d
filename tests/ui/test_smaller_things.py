"""The issue's "smaller things", each through the real pages."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

import pytest
from django.test import Client

from portal.models import Team, User
from tests.connectors.factories import AppFactory, ConnectionFactory
from tests.factories import PASSWORD, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_teams_help_text_reads_whole(charlie_client: Client) -> None:
    page = charlie_client.get("/teams/new/").content.decode()
    assert "<address>" not in page  # read as an HTML element, it swallowed the sentence
    assert "The team's pages live under /t/ and this address" in htmllib.unescape(page)


def test_the_connection_pages_workspace_details_are_styled_facts(
    alice_client: Client, team: Team
) -> None:
    connection = ConnectionFactory(app=AppFactory(team=team), team=team)
    page = alice_client.get(f"/t/{team.slug}/connections/{connection.pk}/").content.decode()
    workspace = page[page.index("<h2>Workspace</h2>") :].removeprefix("<h2>Workspace</h2>")
    assert workspace.lstrip().startswith('<dl class="facts">')


def test_staff_without_a_team_land_on_ops_after_signing_in(client: Client) -> None:
    UserFactory(email="olga.ops@example.com", is_staff=True)
    answer = client.post("/accounts/login/", {"login": "olga.ops@example.com",
                                              "password": PASSWORD}, follow=True)  # fmt: skip
    assert answer.redirect_chain[-1][0] == "/ops/"
    assert client.get("/").headers["Location"] == "/ops/"


def test_people_without_a_team_still_land_on_onboarding(client: Client) -> None:
    UserFactory(email="erin@example.com")
    answer = client.post("/accounts/login/", {"login": "erin@example.com",
                                              "password": PASSWORD}, follow=True)  # fmt: skip
    assert answer.redirect_chain[-1][0] == "/welcome/"


def test_a_new_api_key_and_a_new_signing_secret_have_copy_buttons(
    alice_client: Client, team: Team, settings: Any
) -> None:
    alice_client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    form = {"name": "sync", "scopes": ["read"], "expires_in_days": ""}
    made = alice_client.post(f"/t/{team.slug}/api-keys/new/", form)
    page = made.content.decode()
    raw = re.search(r'<pre id="new-api-key">([^<]+)</pre>', page)
    assert raw is not None
    assert 'data-copy-target="new-api-key">Copy</button>' in page
    assert "<script>" not in page  # the copy script is static/js/portal.js (strict CSP)

    settings.WEBHOOK_ALLOW_PRIVATE = True
    made = alice_client.post(
        f"/t/{team.slug}/notifications/webhooks/new/", {"url": "http://127.0.0.1:9/hook"}
    )
    page = made.content.decode()
    secret = re.search(r'<pre id="signing-secret">(whsec_[^<]+)</pre>', page)
    assert secret is not None, page
    assert 'data-copy-target="signing-secret">Copy</button>' in page
    assert "<script>" not in page


def test_the_api_reference_renders_markdown_and_a_curl_example_per_endpoint(
    client: Client,
) -> None:
    page = client.get("/api/v1/docs/").content.decode()
    operations = re.findall(r"<h2><code>(GET|POST|PUT|PATCH|DELETE) ([^<]+)</code></h2>", page)
    assert len(operations) >= 3
    text = re.sub(r"<pre[^>]*>.*?</pre>", "", page, flags=re.S)
    assert "`" not in text  # Markdown's backticks became <code>
    curls = re.findall(r'<pre id="curl-\d+">(curl [^<]+)</pre>', page)
    assert len(curls) == len(operations)
    copies = re.findall(r'data-copy-target="(curl-\d+)">Copy</button>', page)
    assert copies == [f"curl-{n}" for n in range(1, len(curls) + 1)]
    for (method, path), curl in zip(operations, curls, strict=True):
        assert "Authorization: Bearer $PORTAL_API_KEY" in htmllib.unescape(curl)
        assert re.sub(r"\{\w+\}", "", path).split("?")[0].rstrip("/").split("/")[-1] in curl
        assert (method == "GET") == ("-X " not in curl)


def test_an_invitation_prefills_its_email_at_sign_up(team: Team, alice: User) -> None:
    invitation = InvitationFactory(team=team, email="new.colleague@example.com")
    visitor = Client()
    page = visitor.get(f"/invitations/{invitation.token}/").content.decode()
    signup = re.search(r'href="(/accounts/signup/\?[^"]+)">Sign up</a>', page)
    assert signup is not None
    form = visitor.get(htmllib.unescape(signup.group(1))).content.decode()
    field = re.search(r'<input(?=[^>]*name="email")[^>]*>', form)
    assert field is not None
    assert 'value="new.colleague@example.com"' in field.group(0)
