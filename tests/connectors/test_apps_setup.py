"""The guided "Add app" flow: the callback URL comes first, and the saved app keeps it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from connectors.models import App
from portal.models import AuditEvent, Team, User
from portal.secrets import Secret
from tests.connectors.app_support import (
    SECRET,
    leak_guard,  # noqa: F401 (fixture)
    new_url,
    pending_and_callback,
    setup_data,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("leak_guard")]


def test_the_callback_url_shown_before_saving_is_the_saved_apps(
    team: Team, admin_user: User, client_for: object
) -> None:
    client: Client = client_for(admin_user)  # type: ignore[operator]
    pending, callback = pending_and_callback(client, team)
    assert callback.startswith("http://testserver/accounts/intercom/intercom-")

    response = client.post(new_url(team), setup_data(pending, client_id=" padded-id "))

    app = App.objects.get(team=team)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "app_detail", kwargs={"team_slug": team.slug, "app_public_id": app.public_id}
    )
    assert app.callback_url == callback
    assert app.client_id == "padded-id"
    assert app.client_secret == Secret(SECRET)
    assert app.created_by == admin_user
    assert app.secret_replaced_at is not None


def test_saving_writes_an_audit_event_without_the_secret(team: Team, alice_client: Client) -> None:
    pending, _ = pending_and_callback(alice_client, team)
    alice_client.post(new_url(team), setup_data(pending))
    event = AuditEvent.objects.get(team=team, action="app.created")
    assert SECRET not in str(event.details)
    assert event.details["name"] == "Support sync"


def test_each_visit_gets_its_own_callback_url(team: Team, alice_client: Client) -> None:
    assert (
        pending_and_callback(alice_client, team)[1] != pending_and_callback(alice_client, team)[1]
    )


def test_a_setup_page_cannot_be_saved_twice(team: Team, alice_client: Client) -> None:
    pending, _ = pending_and_callback(alice_client, team)
    alice_client.post(new_url(team), setup_data(pending))
    again = alice_client.post(new_url(team), setup_data(pending, client_id="other-client"))
    assert again.status_code == 200
    assert "already used to save an app" in again.content.decode()
    assert App.objects.filter(team=team).count() == 1


def test_a_forged_or_expired_page_is_refused_with_a_fresh_url(
    team: Team, alice_client: Client
) -> None:
    response = alice_client.post(new_url(team), setup_data("forged:token"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This setup page expired" in html
    assert 'id="callback-url" value="http://testserver/accounts/intercom/intercom-' in html
    assert not App.objects.exists()


def test_the_region_steps_explain_how_to_tell_the_region(team: Team, alice_client: Client) -> None:
    html = alice_client.get(new_url(team)).content.decode()
    assert "app.eu.intercom.com" in html
    assert "app.au.intercom.com" in html
    assert "Public app" in html or "public app" in html
    assert "Internal integration" in html or "internal integration" in html


def test_a_sandbox_region_links_to_the_sandbox_hub(team: Team, alice_client: Client) -> None:
    html = alice_client.get(new_url(team), {"region": "sandbox"}).content.decode()
    assert reverse("sandbox_intercom_index") in html
    assert "intercom.com/a/apps/_/developer-hub" not in html

    html = alice_client.get(new_url(team), {"region": "eu"}).content.decode()
    assert "https://app.eu.intercom.com/a/apps/_/developer-hub" in html


def test_the_sandbox_region_is_offered_only_while_enabled(
    team: Team, alice_client: Client, settings: Settings
) -> None:
    assert 'value="sandbox"' in alice_client.get(new_url(team)).content.decode()
    settings.SANDBOX_ENABLED = False
    html = alice_client.get(new_url(team)).content.decode()
    assert 'value="sandbox"' not in html
    pending, _ = pending_and_callback(alice_client, team)
    response = alice_client.post(new_url(team), setup_data(pending, region="sandbox"))
    assert response.status_code == 200
    assert "Choose one of the regions listed." in response.content.decode()
    assert not App.objects.exists()


def test_a_sandbox_app_is_saved_in_the_sandbox_region(team: Team, alice_client: Client) -> None:
    pending, _ = pending_and_callback(alice_client, team, region="sandbox")
    alice_client.post(new_url(team), setup_data(pending, region="sandbox"))
    assert App.objects.get(team=team).region == "sandbox"
