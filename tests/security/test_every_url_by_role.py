"""Every route at every role, against a table written here and the README's matrix.

`ROUTES` says, for every URL pattern of the site, what a request needs: a team
permission, or an access class for routes outside a team. Which roles hold a permission
comes from the "Roles and permissions" table in README.md, parsed below; neither the
route table nor the roles are read from the views, so a view that declares the wrong
permission fails here. Each request goes through the real test client, in a savepoint
that is rolled back, so one world serves the whole walk.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client

from portal.models import Team
from portal.roles import Role
from tests.factories import MembershipFactory
from tests.security.conftest import World, fresh_login
from tests.security.routes import Route, site_routes

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"

# Access classes for routes that are not a team's pages.
ANYONE = "anyone"  # no data behind it, or a secret in the URL is the key
SIGNED_IN = "signed in"  # the signed-in person's own pages; no team role involved
STAFF = "staff"  # Django staff only; everyone else gets 404
METRICS = "METRICS_TOKEN"  # bearer token from the settings
API_KEY = "API key"  # a team API key, any scope
API_KEY_TOKENS = "API key (tokens)"  # a team API key with the `tokens` scope
OAUTH = "OAuth state"  # a connect started from a team's app page (test_oauth_state)
ACCOUNT = "allauth account"  # allauth's own pages for the signed-in person's account
ADMIN = "Django admin"  # staff, walked in test_secrets_never_plaintext
SANDBOX = "sandbox"  # the development-only fake provider, absent in production

ROUTES: dict[str, str] = {
    # --- a team's pages: the permission each route needs ---
    "team_overview": "team.view",
    "team_members": "team.view",
    "team_leave": "team.view",
    "team_settings": "team.manage",
    "team_delete": "team.delete",
    "team_member_role": "members.manage",
    "team_member_remove": "members.manage",
    "team_invitations": "members.manage",
    "team_invitation_resend": "members.manage",
    "team_invitation_revoke": "members.manage",
    "team_audit": "audit.view",
    "app_list": "apps.view",
    "app_detail": "apps.view",
    "app_new": "apps.manage",
    "app_edit": "apps.manage",
    "app_secret": "apps.manage",
    "app_capabilities": "apps.manage",
    "app_delete": "apps.manage",
    "connection_connect": "connections.connect",
    "connection_add_token": "connections.connect",
    "connection_check_now": "connections.connect",
    "connection_detail": "team.view",
    "connection_check_status": "team.view",
    "connection_disconnect": "connections.disconnect",
    "notify_settings": "notifications.manage",
    "notify_log": "notifications.manage",
    "notify_endpoint_new": "notifications.manage",
    "notify_endpoint_edit": "notifications.manage",
    "notify_endpoint_delete": "notifications.manage",
    "notify_endpoint_test": "notifications.manage",
    "apikey_list": "apikeys.manage",
    "apikey_new": "apikeys.manage",
    "apikey_revoke": "apikeys.manage",
    # --- outside any team ---
    "home": SIGNED_IN,
    "onboarding": SIGNED_IN,
    "team_create": SIGNED_IN,
    "healthz": ANYONE,
    "readyz": ANYONE,
    "invitation_accept": ANYONE,
    "hook_uninstall": ANYONE,
    "api_docs": ANYONE,
    "api-v1:openapi-json": ANYONE,
    "api-v1:api-root": ANYONE,
    "metrics": METRICS,
    "ops_dashboard": STAFF,
    "ops_connections": STAFF,
    "ops_connection": STAFF,
    "ops_teams": STAFF,
    "ops_transitions_csv": STAFF,
    "api-v1:apps_list": API_KEY,
    "api-v1:connections_list": API_KEY,
    "api-v1:connection_get": API_KEY,
    "api-v1:connection_check": API_KEY,
    "api-v1:connection_check_status": API_KEY,
    "api-v1:connection_token": API_KEY_TOKENS,
    "intercom_login": OAUTH,
    "intercom_callback": OAUTH,
}
# Whole families of routes that belong to a library or to development only, by path.
PREFIXES: dict[str, str] = {
    "accounts/": ACCOUNT,
    "admin/": ADMIN,
    "sandbox/": SANDBOX,
}
# Permissions in the README's table that no route needs at its gate, and why.
NO_ROUTE: dict[str, str] = {
    "owners.manage": "checked inside the member-role and settings views, past their gate",
}
ROLES = ("owner", "admin", "member", "viewer")


def access_of(route: Route) -> str | None:
    if route.name in ROUTES:
        return ROUTES[route.name]
    return next((v for prefix, v in PREFIXES.items() if route.route.startswith(prefix)), None)


@cache
def readme_matrix() -> dict[str, frozenset[str]]:
    """The README's permissions table: permission -> the roles that hold it."""
    section = README.read_text().split("## Roles and permissions", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert header[0] == "permission", header
    assert header[-4:] == list(ROLES), header
    matrix: dict[str, frozenset[str]] = {}
    for row in rows[2:]:  # after the header and the |---| line
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        perm = re.fullmatch(r"`([a-z]+\.[a-z]+)`", cells[0])
        assert perm, f"README permissions row without a `perm`: {row}"
        marks = dict(zip(ROLES, cells[-4:], strict=True))
        assert set(marks.values()) <= {"✓", "—"}, row
        matrix[perm.group(1)] = frozenset(r for r, mark in marks.items() if mark == "✓")
    return matrix


def _request(client: Client, method: str, url: str) -> int:
    with transaction.atomic():
        status: int = getattr(client, method)(url).status_code
        transaction.set_rollback(True)
    return status


def test_every_route_is_in_the_table() -> None:
    missing = sorted(f"{r.name} (/{r.route})" for r in site_routes() if access_of(r) is None)
    assert not missing, f"routes missing from ROUTES in this test: {missing}"


def test_every_table_entry_is_a_route() -> None:
    names = {r.name for r in site_routes()}
    stale = sorted(set(ROUTES) - names)
    assert not stale, f"ROUTES names routes the site no longer has: {stale}"


def test_the_table_matches_the_readme_permissions() -> None:
    matrix = readme_matrix()
    used = {access for access in ROUTES.values() if "." in access}
    assert used <= set(matrix), f"not in the README's table: {used - set(matrix)}"
    unused = set(matrix) - used - set(NO_ROUTE)
    assert not unused, f"README permissions no route needs: {unused}"
    assert set(NO_ROUTE) <= set(matrix)
    # The README's own rules: viewers only view, owners hold everything.
    assert matrix["team.view"] == frozenset(ROLES)
    assert all("owner" in roles for roles in matrix.values())


@pytest.mark.parametrize("role", list(Role))
def test_every_team_route_follows_the_readme_matrix(world: World, role: Role) -> None:
    user = world.team.memberships.get(role=Role.OWNER).user
    if role != Role.OWNER:
        user = MembershipFactory(team=world.team, role=role).user
    client = fresh_login(user)
    matrix = readme_matrix()
    walked: set[str] = set()
    for route in site_routes():
        access = access_of(route)
        if access is None or access not in matrix:
            continue
        url = route.fill(world.values)
        allowed = role.value in matrix[access]
        for method in ("get", "post"):
            status = _request(client, method, url)
            where = f"{role} {method.upper()} {url} ({route.name}, needs {access})"
            if allowed:
                assert status not in {403, 404}, f"{where}: refused with {status}"
            else:
                assert status == 403, f"{where}: answered {status}, expected 403"
        walked.add(route.name)
    assert walked == {name for name, access in ROUTES.items() if access in matrix}
    assert Team.objects.filter(pk=world.team.pk).exists()


@pytest.mark.parametrize("role", list(Role))
def test_a_team_role_opens_no_staff_page(world: World, role: Role) -> None:
    user = world.team.memberships.get(role=Role.OWNER).user
    if role != Role.OWNER:
        user = MembershipFactory(team=world.team, role=role).user
    client = fresh_login(user)
    for route in site_routes():
        if access_of(route) == STAFF:
            url = route.fill(world.values)
            assert _request(client, "get", url) == 404, f"{role} GET {url} ({route.name})"
        elif access_of(route) == SIGNED_IN:
            url = route.fill(world.values)
            status = _request(client, "get", url)
            assert status in {200, 302}, f"{role} GET {url} ({route.name}): {status}"
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    for route in site_routes():
        if access_of(route) == STAFF:
            url = route.fill(world.values)
            assert _request(client, "get", url) == 200, f"staff GET {url} ({route.name})"
