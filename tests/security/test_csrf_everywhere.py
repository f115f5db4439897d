"""Every route refuses a POST without a CSRF token, except the few listed with why.

The routes come from the resolver, so a new POST view is covered the day it is added.
The client is a signed-in owner, so a refusal is CSRF's and not the tenancy gate's.
"""

from __future__ import annotations

import pytest

from tests.security.conftest import World, fresh_login
from tests.security.routes import Route, generic_values, site_routes

pytestmark = pytest.mark.django_db

# Route name -> why it takes POSTs without a CSRF token.
CSRF_EXEMPT: dict[str, str] = {
    "hook_uninstall": "the provider's server-to-server notice: no browser, no session; "
    "it only schedules a check and is rate limited",
    "api-v1:connection_check": "REST API authenticated by a bearer key, never by cookies",
    "api-v1:apps_list": "REST API (bearer key); GET only, answers 405",
    "api-v1:connections_list": "REST API (bearer key); GET only",
    "api-v1:connection_get": "REST API (bearer key); GET only",
    "api-v1:connection_check_status": "REST API (bearer key); GET only",
    "api-v1:connection_token": "REST API (bearer key); GET only",
    "sandbox_intercom_token": "the sandbox's token exchange: server-to-server, like Intercom's",
    "sandbox_intercom_me": "the sandbox's /me: bearer token API, like Intercom's",
    "sandbox_intercom_uninstall": "the sandbox's revoke call: bearer token API",
    "sandbox_intercom_control_apps": "the sandbox's JSON control API for test scripts "
    "(development only, absent in production)",
    "sandbox_intercom_control_workspaces": "sandbox JSON control API (development only)",
    "sandbox_intercom_control_workspace": "sandbox JSON control API (development only)",
    "sandbox_intercom_control_tokens": "sandbox JSON control API (development only)",
    "sandbox_intercom_control_token": "sandbox JSON control API (development only)",
    "sandbox_intercom_control_reset": "sandbox JSON control API (development only)",
    "sandbox_intercom_control_app": "sandbox JSON control API (development only)",
    "sandbox_intercom_control_app_access_token": "sandbox JSON control API (development only)",
    "sandbox_intercom_control_workspace_uninstall": "sandbox JSON control API (development only)",
    "sandbox_intercom_control_workspace_permissions": "sandbox JSON control API (development only)",
    "sandbox_intercom_control_wide": "sandbox JSON control API (development only)",
}


def _url(route: Route, world: World) -> str:
    return route.fill({**generic_values(route), **world.values})


def test_every_post_without_a_csrf_token_is_refused(world: World) -> None:
    owner = world.team.memberships.get(role="owner").user
    client = fresh_login(owner, enforce_csrf_checks=True)
    accepted = []
    for route in site_routes():
        url = _url(route, world)
        response = client.post(url, {"name": "x", "email": "x@example.com"})
        refused = response.status_code == 403 and b"CSRF" in response.content
        if route.name in CSRF_EXEMPT:
            assert not refused, f"{route.name} is listed as exempt but checks CSRF: drop it"
            continue
        if not refused:
            accepted.append(f"{route.name} POST {url} -> {response.status_code}")
    assert not accepted, "POST accepted without a CSRF token:\n" + "\n".join(accepted)


def test_the_exempt_list_names_real_routes() -> None:
    names = {r.name for r in site_routes()}
    assert set(CSRF_EXEMPT) <= names, set(CSRF_EXEMPT) - names


def test_a_post_with_the_token_gets_through(world: World) -> None:
    owner = world.team.memberships.get(role="owner").user
    client = fresh_login(owner, enforce_csrf_checks=True)
    url = f"/t/{world.team.slug}/settings/"
    token = client.get(url).cookies["csrftoken"].value
    assert client.post(url, {"name": "Renamed", "csrfmiddlewaretoken": token}).status_code == 302
    assert client.post(url, {"name": "Again"}).status_code == 403


def test_an_api_post_with_a_session_cookie_but_no_key_is_refused(world: World) -> None:
    # The API ignores cookies: a forged cross-site POST carries no bearer key.
    owner = world.team.memberships.get(role="owner").user
    client = fresh_login(owner, enforce_csrf_checks=True)
    response = client.post(f"/api/v1/connections/{world.connection.pk}/check")
    assert response.status_code == 401
