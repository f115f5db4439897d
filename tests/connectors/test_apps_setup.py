"""The Add app wizard: the redirect URL comes first, and the saved app keeps it."""

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
    draft_callback,
    leak_guard,  # noqa: F401 (fixture)
    new_url,
    setup_data,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("leak_guard")]


def test_the_callback_url_shown_before_saving_is_the_saved_apps(
    team: Team, admin_user: User, client_for: object
) -> None:
    client: Client = client_for(admin_user)  # type: ignore[operator]
    callback = draft_callback(client, team)
    assert callback.startswith("http://testserver/accounts/intercom/intercom-")

    response = client.post(new_url(team), setup_data(callback, client_id=" padded-id "))

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
    callback = draft_callback(alice_client, team)
    alice_client.post(new_url(team), setup_data(callback))
    event = AuditEvent.objects.get(team=team, action="app.created")
    assert SECRET not in str(event.details)
    assert event.details["name"] == "Support sync"


def test_a_saved_draft_is_not_saved_twice_and_the_next_add_app_starts_afresh(
    team: Team, alice_client: Client
) -> None:
    callback = draft_callback(alice_client, team)
    alice_client.post(new_url(team), setup_data(callback))
    # The same page posted again (a second tab, a double submit): refused, nothing saved.
    again = alice_client.post(new_url(team), setup_data(callback, client_id="other-client"))
    assert again.status_code == 200
    assert "is no longer this setup" in again.content.decode()
    assert App.objects.filter(team=team).count() == 1
    fresh = draft_callback(alice_client, team)
    assert fresh != callback
    assert f'value="{fresh}"' in again.content.decode()  # the page shows the new draft's URL


def test_a_redirect_url_that_is_not_the_drafts_is_refused(team: Team, alice_client: Client) -> None:
    callback = draft_callback(alice_client, team)
    forged = callback.replace("intercom-", "intercom-0")
    response = alice_client.post(new_url(team), setup_data(forged))
    html = response.content.decode()
    assert response.status_code == 200
    assert "is no longer this setup" in html
    assert f'value="{callback}"' in html
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
    callback = draft_callback(alice_client, team)
    response = alice_client.post(new_url(team), setup_data(callback, region="sandbox"))
    assert response.status_code == 200
    assert "Choose one of the regions listed." in response.content.decode()
    assert not App.objects.exists()


def test_a_sandbox_app_is_saved_in_the_sandbox_region(team: Team, alice_client: Client) -> None:
    callback = draft_callback(alice_client, team, region="sandbox")
    alice_client.post(new_url(team), setup_data(callback, region="sandbox"))
    assert App.objects.get(team=team).region == "sandbox"
