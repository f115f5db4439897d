"""Admins and owners manage apps; members and viewers only look; outsiders see nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from connectors.models import App
from portal.models import Team, User
from tests.connectors.app_support import leak_guard  # noqa: F401 (fixture)
from tests.connectors.factories import AppFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("leak_guard")]

WRITE_ROUTES = ("app_edit", "app_secret", "app_delete")


def _url(name: str, app: App) -> str:
    return reverse(name, kwargs={"team_slug": app.team.slug, "app_public_id": app.public_id})


def test_a_viewer_and_a_member_get_403_on_every_write(
    team: Team, viewer: User, bob: User, client_for: Callable[[User], Client]
) -> None:
    app = AppFactory(team=team, name="Kept")
    for user in (viewer, bob):
        client = client_for(user)
        assert client.post(reverse("app_new", kwargs={"team_slug": team.slug})).status_code == 403
        for name in WRITE_ROUTES:
            response = client.post(_url(name, app), {"name": "Hijacked", "region": "eu"})
            assert response.status_code == 403, name
            assert "Only admins and owners can" in response.content.decode()
    app.refresh_from_db()
    assert app.name == "Kept"
    assert App.objects.filter(pk=app.pk).exists()


def test_charlie_gets_404_on_every_app_page(
    team: Team, charlie_team: Team, charlie_client: Client
) -> None:
    app = AppFactory(team=team)
    urls = [reverse(n, kwargs={"team_slug": team.slug}) for n in ("app_list", "app_new")]
    urls += [_url(n, app) for n in ("app_detail", *WRITE_ROUTES)]
    for url in urls:
        assert charlie_client.get(url).status_code == 404, url
        assert charlie_client.post(url).status_code == 404, url
    assert App.objects.filter(pk=app.pk).exists()


def test_charlie_cannot_reach_alices_app_through_his_own_team(
    team: Team, charlie_team: Team, charlie_client: Client
) -> None:
    app = AppFactory(team=team)
    url = reverse(
        "app_detail", kwargs={"team_slug": charlie_team.slug, "app_public_id": app.public_id}
    )
    assert charlie_client.get(url).status_code == 404
    delete = reverse(
        "app_delete", kwargs={"team_slug": charlie_team.slug, "app_public_id": app.public_id}
    )
    assert charlie_client.post(delete).status_code in (302, 404)  # reauth first, never a delete
    assert App.objects.filter(pk=app.pk).exists()


def test_members_and_viewers_see_the_app_page_without_secret_or_buttons(
    team: Team, viewer: User, bob: User, client_for: Callable[[User], Client]
) -> None:
    app = AppFactory(team=team, client_secret="visible-to-none-9876")
    for user in (viewer, bob):
        html = client_for(user).get(_url("app_detail", app)).content.decode()
        assert app.client_id in html
        assert app.callback_url in html
        assert "9876" not in html
        assert "Saved (visible to no one)" in html
        for name in WRITE_ROUTES:
            assert _url(name, app) not in html


def test_an_admin_sees_the_masked_hint_and_the_actions(
    team: Team, admin_user: User, client_for: Callable[[User], Client]
) -> None:
    app = AppFactory(team=team, client_secret="admin-can-see-hint-9876")
    html = client_for(admin_user).get(_url("app_detail", app)).content.decode()
    assert "••••9876" in html
    for name in WRITE_ROUTES:
        assert _url(name, app) in html
