"""The Add app wizard without JavaScript: plain GET and POST round-trips.

Choosing a region or type and pressing "Show the steps for this choice" re-renders the
steps and saves nothing; the redirect URL is the draft's from the first visit until the
app is saved; what is saved is the region and type the page showed.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from connectors.models import App, Connection
from connectors.providers.intercom import client as intercom_client
from portal.models import Team
from portal.secrets import Secret
from tests.connect.fake_intercom import TOKEN, FakeIntercom, error_list
from tests.connectors.app_support import (
    SECRET,
    draft_callback,
    leak_guard,  # noqa: F401 (fixture)
    new_url,
    setup_data,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("leak_guard")]

SANDBOX_HUB = reverse("sandbox_intercom_index")
REAL_HUB = "intercom.com/a/apps/_/developer-hub"


@pytest.fixture
def fake_intercom(monkeypatch: pytest.MonkeyPatch) -> FakeIntercom:
    fake = FakeIntercom()
    monkeypatch.setattr(intercom_client, "http_request", fake)
    monkeypatch.setattr(intercom_client, "async_http_get", fake.get)
    return fake


def _show_steps(client: Client, team: Team, **choices: str) -> str:
    """Press "Show the steps for this choice" (the no-JavaScript switch)."""
    answer = client.post(new_url(team), {"show_steps": "1", **choices})
    assert answer.status_code == 200
    return answer.content.decode()


def _selected_region(html: str) -> str:
    found = re.search(r'<option value="(\w+)" selected>', html)
    assert found, "no region is selected"
    return found.group(1)


def _checked_kind(html: str) -> str:
    found = re.search(r'name="kind" value="(\w+)"[^>]*checked', html)
    assert found, "no app type is checked"
    return found.group(1)


def test_the_form_that_saves_has_no_hidden_field(team: Team, alice_client: Client) -> None:
    html = alice_client.get(new_url(team)).content.decode()
    wizard = html[html.index(f'<form method="post" action="{new_url(team)}"') :]
    wizard = wizard[: wizard.index("</form>")]
    hidden = re.findall(r'<input type="hidden" name="(\w+)"', wizard)
    assert hidden == ["csrfmiddlewaretoken"]


def test_switching_region_without_javascript_shows_that_regions_steps_and_saves_nothing(
    team: Team, alice_client: Client
) -> None:
    html = _show_steps(alice_client, team, region="sandbox", kind="public", name="Half done")
    assert _selected_region(html) == "sandbox"
    assert SANDBOX_HUB in html
    assert REAL_HUB not in html
    assert 'value="Half done"' in html  # what was typed stays
    assert "errorlist" not in html  # no complaints about boxes not filled yet
    assert not App.objects.exists()

    html = _show_steps(alice_client, team, region="eu", kind="public")
    assert _selected_region(html) == "eu"
    assert f"https://app.eu.{REAL_HUB}" in html


def test_switching_type_without_javascript_asks_for_what_that_type_needs(
    team: Team, alice_client: Client
) -> None:
    html = _show_steps(alice_client, team, region="us", kind="internal")
    assert _checked_kind(html) == "internal"
    assert 'name="access_token"' in html
    assert 'name="client_id"' not in html
    assert 'name="client_secret"' not in html
    assert 'id="callback-url"' not in html  # an internal integration needs no redirect URL
    assert "Check and connect" in html

    html = _show_steps(alice_client, team, region="us", kind="public")
    assert _checked_kind(html) == "public"
    assert 'name="client_id"' in html
    assert 'name="client_secret"' in html
    assert 'name="access_token"' not in html
    assert 'id="callback-url"' in html


def test_the_redirect_url_survives_reloads_tabs_and_region_and_type_changes(
    team: Team, alice_client: Client
) -> None:
    first = draft_callback(alice_client, team)
    assert draft_callback(alice_client, team) == first  # a reload, or a second tab
    for region in ("sandbox", "eu", "au", "us"):
        assert f'value="{first}"' in _show_steps(alice_client, team, region=region, kind="public")
    _show_steps(alice_client, team, region="eu", kind="internal")
    assert draft_callback(alice_client, team, region="eu") == first


def test_a_reload_shows_the_region_and_type_last_chosen(team: Team, alice_client: Client) -> None:
    _show_steps(alice_client, team, region="sandbox", kind="internal")
    html = alice_client.get(new_url(team)).content.decode()
    assert _selected_region(html) == "sandbox"
    assert _checked_kind(html) == "internal"
    assert SANDBOX_HUB in html


def test_the_saved_app_has_the_region_the_page_showed(team: Team, alice_client: Client) -> None:
    html = _show_steps(alice_client, team, region="sandbox", kind="public")
    callback = re.search(r'value="([^"]+)"[^>]*id="callback-url"', html)
    assert callback
    answer = alice_client.post(
        new_url(team), setup_data(callback.group(1), region=_selected_region(html))
    )
    assert answer.status_code == 302
    app = App.objects.get(team=team)
    assert (app.region, app.kind) == ("sandbox", "public")
    assert app.callback_url == callback.group(1)
    assert app.client_secret == Secret(SECRET)


def test_an_internal_integration_is_saved_and_connected_by_its_access_token(
    team: Team, alice_client: Client, fake_intercom: FakeIntercom
) -> None:
    alice_client.get(new_url(team))
    answer = alice_client.post(
        new_url(team),
        {"region": "us", "kind": "internal", "name": "Own workspace", "access_token": TOKEN},
    )
    app = App.objects.get(team=team)
    connection = Connection.objects.get(app=app)
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"/connections/{connection.pk}/")
    assert (app.kind, app.region, app.client_id, app.client_secret) == (
        "internal", "us", "", None
    )  # fmt: skip
    assert connection.access_token == Secret(TOKEN)
    assert connection.status == "healthy"
    assert fake_intercom.urls() == ["https://api.intercom.io/me"]


def test_a_refused_access_token_saves_nothing_and_says_why(
    team: Team, alice_client: Client, fake_intercom: FakeIntercom
) -> None:
    fake_intercom.me_answer = (401, error_list("token_not_found", "Token not found"))
    answer = alice_client.post(
        new_url(team),
        {"region": "us", "kind": "internal", "name": "Own workspace", "access_token": TOKEN},
    )
    html = answer.content.decode()
    assert "Intercom refused this token (token_not_found)" in html
    assert TOKEN not in html
    assert _checked_kind(html) == "internal"
    assert not App.objects.exists()
    assert not Connection.objects.exists()


def test_an_internal_integration_without_a_token_is_asked_for_it(
    team: Team, alice_client: Client
) -> None:
    answer = alice_client.post(
        new_url(team), {"region": "us", "kind": "internal", "name": "Own workspace"}
    )
    assert "Paste the Access token from the app&#x27;s Authentication page." in (
        answer.content.decode()
    )
    assert not App.objects.exists()
