"""Every bad input gets a message a person can act on, and nothing is half-saved."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from connectors.models import App
from portal.models import AuditEvent, Team
from tests.connectors.app_support import (
    draft_callback,
    leak_guard,  # noqa: F401 (fixture)
    new_url,
    setup_data,
)
from tests.connectors.factories import AppFactory, ConnectionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("leak_guard")]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Give the app a name."),
        ({"name": "n" * 101}, "Keep the name under 100 characters."),
        ({"client_id": ""}, "Paste the Client ID"),
        ({"client_id": "abc def"}, "The client ID contains a space"),
        ({"client_id": "abc\tdef"}, "The client ID contains a space"),
        ({"client_id": "x" * 256}, "A client ID is at most 255 characters"),
        ({"client_secret": ""}, "Paste the Client secret"),
        ({"client_secret": "secret with-a-space-inside"}, "The secret contains a space"),
        ({"client_secret": "secret\u200bzero-width-joined"}, "invisible character"),
        ({"client_secret": "short"}, "shorter than this secret can be"),
        ({"client_secret": "y" * 256}, "longer than this secret can be"),
        ({"region": "mars"}, "Choose one of the regions listed."),
        ({"kind": "partner"}, "Choose one of the app types listed."),
    ],
)
def test_a_bad_setup_input_is_refused_with_a_clear_message(
    team: Team, alice_client: Client, overrides: dict[str, str], message: str
) -> None:
    callback = draft_callback(alice_client, team)
    response = alice_client.post(new_url(team), setup_data(callback, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not App.objects.exists()
    assert not AuditEvent.objects.filter(action="app.created").exists()


def test_surrounding_whitespace_is_trimmed(team: Team, alice_client: Client) -> None:
    callback = draft_callback(alice_client, team)
    alice_client.post(
        new_url(team),
        setup_data(
            callback,
            name="  Sync  ",
            client_id="\tid-1 \n",
            client_secret="  trimmed-secret-1234\n",
        ),
    )
    app = App.objects.get(team=team)
    assert (app.name, app.client_id) == ("Sync", "id-1")
    assert app.client_secret is not None
    assert app.client_secret.reveal() == "trimmed-secret-1234"


def test_a_duplicate_client_id_names_the_existing_app(team: Team, alice_client: Client) -> None:
    AppFactory(team=team, name="Old support app", client_id="dup-client")
    callback = draft_callback(alice_client, team)
    response = alice_client.post(new_url(team), setup_data(callback, client_id=" dup-client "))
    assert "already registered in this team as “Old support app”" in response.content.decode()
    assert App.objects.filter(team=team).count() == 1


def test_the_same_client_id_in_another_team_is_fine(
    team: Team, charlie_team: Team, alice_client: Client
) -> None:
    AppFactory(team=charlie_team, client_id="shared-client")
    callback = draft_callback(alice_client, team)
    alice_client.post(new_url(team), setup_data(callback, client_id="shared-client"))
    assert App.objects.filter(team=team, client_id="shared-client").exists()


def _edit_url(app: App) -> str:
    return reverse("app_edit", kwargs={"team_slug": app.team.slug, "app_public_id": app.public_id})


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("0", "Check at most once a minute"),
        ("1441", "Check at least once a day"),
        ("ten", "Type a whole number of minutes"),
        ("", "Say how often to check"),
    ],
)
def test_a_bad_check_interval_is_refused(
    team: Team, alice_client: Client, minutes: str, message: str
) -> None:
    app = AppFactory(team=team)
    data = {"name": "Renamed", "region": "us", "check_interval_minutes": minutes}
    response = alice_client.post(_edit_url(app), data)
    assert message in response.content.decode()
    app.refresh_from_db()
    assert app.name != "Renamed"


def test_the_check_interval_spans_one_minute_to_a_day(team: Team, alice_client: Client) -> None:
    app = AppFactory(team=team)
    for minutes, seconds in (("1", 60), ("1440", 86400)):
        alice_client.post(
            _edit_url(app), {"name": app.name, "region": "us", "check_interval_minutes": minutes}
        )
        app.refresh_from_db()
        assert app.check_interval_seconds == seconds
    assert AuditEvent.objects.filter(action="app.updated", team=team).count() == 2


def test_changing_the_region_of_an_app_with_connections_needs_confirming(
    team: Team, alice_client: Client
) -> None:
    app = AppFactory(team=team, region="us")
    ConnectionFactory(app=app)
    ConnectionFactory(app=app)
    data = {"name": app.name, "region": "eu", "check_interval_minutes": "10"}

    response = alice_client.post(_edit_url(app), data)

    html = response.content.decode()
    assert "2 connections made through this app will need reconnecting" in html
    assert "Tick the box to confirm" in html
    app.refresh_from_db()
    assert app.region == "us"

    alice_client.post(_edit_url(app), {**data, "confirm_region_change": "on"})
    app.refresh_from_db()
    assert app.region == "eu"


def test_changing_the_region_of_an_unused_app_needs_no_confirmation(
    team: Team, alice_client: Client
) -> None:
    app = AppFactory(team=team, region="us")
    alice_client.post(
        _edit_url(app), {"name": app.name, "region": "au", "check_interval_minutes": "10"}
    )
    app.refresh_from_db()
    assert app.region == "au"
