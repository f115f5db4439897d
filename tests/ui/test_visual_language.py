"""One visual language: destructive actions in the danger style, Cancel secondary, friendly
times, intervals in the form's unit. Expectations from the issue's list, in the tables."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from connectors.api.keys import apikey_create
from connectors.notify.models import WebhookEndpoint
from portal.models import Team, User
from portal.secrets import Secret
from portal.timetext import ago_text
from tests.connectors.factories import AppFactory, ConnectionFactory
from tests.factories import PASSWORD, InvitationFactory

# (page, the action's visible text, the style it must have)
ACTIONS = [
    ("/t/alice-co/api-keys/", "Revoke", "button-danger"),
    ("/t/alice-co/notifications/webhooks/{endpoint}/", "Delete this endpoint", "button-danger"),
    ("/t/alice-co/notifications/webhooks/{endpoint}/", "Cancel", "button-secondary"),
    ("/t/alice-co/apps/{app}/", "Delete…", "button-danger"),
    ("/t/alice-co/apps/{app}/delete/", "Delete the app", "button-danger"),
    ("/t/alice-co/apps/{app}/delete/", "Cancel", "button-secondary"),
    ("/t/alice-co/apps/{app}/edit/", "Cancel", "button-secondary"),
    ("/t/alice-co/connections/{connection}/", "Disconnect", "button-danger"),
    ("/t/alice-co/connections/{connection}/disconnect/", "Disconnect", "button-danger"),
    ("/t/alice-co/connections/{connection}/disconnect/", "Cancel", "button-secondary"),
    ("/t/alice-co/members/", "Remove", "button-danger"),
    ("/t/alice-co/invitations/", "Revoke", "button-danger"),
    ("/t/alice-co/delete/", "Delete the team", "button-danger"),
    ("/t/alice-co/delete/", "Cancel", "button-secondary"),
    ("/t/alice-co/api-keys/new/", "Cancel", "button-secondary"),
]


def _classes_of(html: str, text: str) -> list[str]:
    """The class attribute of every <a> or <button> whose text is `text`."""
    pattern = rf'<(?:a|button)\b[^>]*class="([^"]*)"[^>]*>\s*{re.escape(text)}\s*</(?:a|button)>'
    return re.findall(pattern, html)


@pytest.mark.django_db
def test_destructive_actions_are_danger_and_cancel_is_secondary(
    alice: User, alice_client: Client, team: Team
) -> None:
    app = AppFactory(team=team)
    connection = ConnectionFactory(app=app, team=team)
    apikey_create(team=team, name="sync", scopes=["read"], expires_at=None, actor=alice,
                  request=None)  # fmt: skip
    endpoint = WebhookEndpoint.objects.create(
        team=team, url="https://hooks.example.com/x", signing_secret=Secret("whsec_test")
    )
    InvitationFactory(team=team, email="new@example.com")
    ids = {"app": app.public_id, "connection": connection.pk, "endpoint": endpoint.pk}
    # Deleting asks for the password again, through the real form.
    alice_client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    for url, text, style in ACTIONS:
        html = alice_client.get(url.format(**ids)).content.decode()
        found = _classes_of(html, text)
        assert found, (url, text)
        assert all(style in c.split() for c in found), (url, text, found)


# (how long ago, what the overview says)
AGO = [
    (timedelta(seconds=0), "just now"),
    (timedelta(seconds=59), "just now"),
    (timedelta(minutes=1), "1\xa0minute ago"),
    (timedelta(hours=2, minutes=5), "2\xa0hours, 5\xa0minutes ago"),
]


def test_times_read_just_now_under_a_minute() -> None:
    now = timezone.now()
    for delta, text in AGO:
        assert ago_text(now - delta, now, "en") == text


@pytest.mark.django_db
def test_the_overview_never_says_zero_minutes(alice_client: Client, team: Team) -> None:
    ConnectionFactory(app=AppFactory(team=team), last_checked_at=timezone.now())
    html = alice_client.get("/t/alice-co/").content.decode()
    assert "<td>just now</td>" in html
    assert "0\xa0minutes" not in html


@pytest.mark.django_db
def test_the_check_interval_reads_in_minutes_like_its_form(
    alice_client: Client, team: Team
) -> None:
    app = AppFactory(team=team, check_interval_seconds=600)
    html = alice_client.get(f"/t/alice-co/apps/{app.public_id}/").content.decode()
    assert "every 10 minutes" in html
    assert "600 s" not in html
    edit = alice_client.get(f"/t/alice-co/apps/{app.public_id}/edit/").content.decode()
    assert 'name="check_interval_minutes"' in edit
