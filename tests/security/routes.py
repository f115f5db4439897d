"""Every URL pattern of the site, classified, so a new route cannot slip past the walks.

`site_routes()` reads the resolver. `kind_of(route)` says which walk covers it; a route
with no kind fails `test_every_route_has_a_kind`, so adding one forces a decision here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    route: str  # e.g. "t/<slug:team_slug>/apps/<str:app_public_id>/"
    name: str  # "app_detail", "api-v1:connection_get"
    callback: Callable[..., Any]

    @property
    def params(self) -> list[str]:
        return [m.group("name") for m in PARAM.finditer(self.route)]

    def fill(self, values: dict[str, object]) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group("name")
            if name not in values:
                raise KeyError(f"no value for {name!r} in /{self.route} ({self.name})")
            return str(values[name])

        return "/" + PARAM.sub(value, self.route)


def _walk(resolver: URLResolver, prefix: str = "", ns: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        if not isinstance(pattern, RoutePattern):
            # Regex routes (only Django admin's app index and catch-all) can't be filled in.
            if isinstance(entry, URLResolver):
                yield from _walk(entry, prefix + "<regex>", ns)
            continue
        route = prefix + str(pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route, ns + (f"{entry.namespace}:" if entry.namespace else ""))
        elif isinstance(entry, URLPattern):
            yield Route(route, ns + (entry.name or "<unnamed>"), entry.callback)


def site_routes() -> list[Route]:
    return list(_walk(get_resolver()))


# --- what covers each route --------------------------------------------------------
# "team": under /t/<team_slug>/, gated by @team_view: outsider 404, roles per matrix.
# "api": the REST API under a bearer key: another team's key gets 404 for our ids.
# "ops": staff only: everyone else 404.
# The rest hold no tenant data, each for the reason given.
NON_TENANT: dict[str, str] = {
    "home": "redirects to the signed-in person's own teams",
    "healthz": "liveness probe, no data",
    "readyz": "readiness probe, no tenant data",
    "onboarding": "the signed-in person's own start page",
    "team_create": "creates a new team of one's own",
    "invitation_accept": "the secret token in the URL is the key; an unknown token is 404",
    "hook_uninstall": "provider notice: same 200 for any id by design (reveals nothing)",
    "api_docs": "public API documentation",
    "api-v1:openapi-json": "public API schema",
    "api-v1:api-root": "ninja's root, 404 for everyone",
    "metrics": "Prometheus metrics behind METRICS_TOKEN (tests/ops/test_metrics.py)",
}
OPS = {"ops_dashboard", "ops_connections", "ops_connection", "ops_teams", "ops_transitions_csv"}


def kind_of(route: Route) -> str | None:
    if "team_slug" in route.params:
        return "team"
    if route.name.startswith("api-v1:") and route.name not in NON_TENANT:
        return "api"
    if route.name in OPS:
        return "ops"
    if route.name in NON_TENANT:
        return "public"
    if route.route.startswith("accounts/intercom/"):
        return "connect"  # allauth's OAuth views of a team's app: tests/security/test_oauth_state
    if route.route.startswith("accounts/"):
        return "account"  # allauth's own pages: the signed-in person's account only
    if route.route.startswith("admin/"):
        return "admin"  # Django admin: staff only, walked in test_secrets_never_plaintext
    if route.route.startswith("sandbox/intercom/"):
        return "sandbox"  # development-only fake Intercom; absent in production
    return None


def generic_values(route: Route) -> dict[str, object]:
    """Placeholder values for any kwarg, for walks where the view never runs (CSRF)."""
    out: dict[str, object] = {}
    for match in PARAM.finditer(route.route):
        converter = match.group("converter") or "str"
        out[match.group("name")] = {"int": 1, "slug": "some-slug", "path": "x/y"}.get(
            converter, "x1"
        )
    return out
