"""Hypothesis throws malformed input at every form, every page's query string and every
API endpoint: very long strings, odd Unicode, null bytes, wrong types and repeated
fields. The answer is a 4xx, a re-rendered form with its errors, or a redirect on
success: never a 500. Run it on Postgres too (it refuses NUL in text, SQLite does not).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.security.conftest import World, fresh_login
from tests.security.routes import kind_of, site_routes

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,  # the same inputs every run: a failure here is reproducible
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing input is printed
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = st.one_of(
    st.text(max_size=40),
    st.text(min_size=1000, max_size=3000, alphabet=st.characters(codec="utf-8")),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "💥" * 300,
            "\u202e",
            "‮evil",
            "-1",
            "0",
            "1e309",
            "9" * 40,
            "NaN",
            "[]",
            "{}",
            "null",
            "true",
            "%00",
            "../../etc/passwd",
            "<script>x</script>",
            "'; DROP TABLE x; --",
            " ",
            "owner",
            "https://\x00.example",
            "a@b",
            "x" * 100_000,
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
VALUE = st.one_of(NASTY, st.lists(NASTY, min_size=0, max_size=3))

# Every form of the portal: (URL template, its fields).
FORMS: dict[str, tuple[str, list[str]]] = {
    "team create": ("/teams/new/", ["name", "slug"]),
    "team settings": ("/t/{team_slug}/settings/", ["name", "require_mfa"]),
    "invite": ("/t/{team_slug}/invitations/", ["email", "role"]),
    "member role": ("/t/{team_slug}/members/{membership_id}/role/", ["role"]),
    "app setup": (
        "/t/{team_slug}/apps/new/?provider=intercom",
        [
            "name",
            "region",
            "kind",
            "client_id",
            "client_secret",
            "access_token",
            "redirect_url",
        ],
    ),
    "app edit": (
        "/t/{team_slug}/apps/{app_public_id}/edit/",
        ["name", "region", "check_interval_minutes", "confirm_region_change"],
    ),
    "app secret": ("/t/{team_slug}/apps/{app_public_id}/secret/", ["client_secret"]),
    "add token": ("/t/{team_slug}/apps/{app_public_id}/add-token/", ["token"]),
    "notification settings": ("/t/{team_slug}/notifications/", ["email_enabled", "recipients"]),
    "webhook new": (
        "/t/{team_slug}/notifications/webhooks/new/",
        ["url", "description", "event_types", "enabled"],
    ),
    "webhook edit": (
        "/t/{team_slug}/notifications/webhooks/{endpoint_id}/",
        ["url", "description", "event_types", "enabled"],
    ),
    "api key": ("/t/{team_slug}/api-keys/new/", ["name", "scopes", "expires_in_days"]),
    "team delete": ("/t/{team_slug}/delete/", ["confirm"]),
}
QUERY_NAMES = ["q", "status", "app", "region", "sort", "page", "action", "actor",
               "target_type", "provider", "team", "format", "part", "checks_page"]  # fmt: skip
FINE = {200, 202, 302, 400, 403, 404, 405, 409, 410, 413, 422, 429, 503}


def _owner_client(world: World) -> Client:
    owner = world.team.memberships.get(role="owner").user
    owner.is_staff = True  # reach /ops/ as well
    owner.save()
    # Raise_request_exception stays on: a 500 surfaces as the exception itself.
    return fresh_login(owner)


def assert_handled(response: Any, what: str) -> None:
    assert response.status_code in FINE, f"{what}: {response.status_code}"
    if response.status_code in {400, 422} or (
        response.status_code == 200
        and "text/html" in response.get("Content-Type", "")
        and what.startswith("POST")
    ):
        text = response.content.decode(errors="replace")
        assert len(text.strip()) > 0, f"{what}: empty error page"


@pytest.mark.parametrize("form", list(FORMS))
def test_every_form_survives_malformed_input(world: World, form: str) -> None:
    client = _owner_client(world)
    template, fields = FORMS[form]
    url = template.format(**world.values)

    @EXAMPLES
    @given(data=st.fixed_dictionaries({f: VALUE for f in fields}))
    def post(data: dict[str, Any]) -> None:
        response = client.post(url, data)
        assert_handled(response, f"POST {url} {data!r:.200}")
        # An empty POST is a GET to `Form(request.POST or None)`: browsers never send one.
        sent = any(v != [] for v in data.values())
        if sent and response.status_code in {200, 400} and form != "team delete":
            assert b"error" in response.content.lower(), f"{url}: re-rendered without an error"

    post()


def test_every_page_survives_a_malformed_query_string(world: World) -> None:
    client = _owner_client(world)
    values = {**world.values, "token": world.invitation.token, "provider_key": "intercom"}  # type: ignore[attr-defined]
    urls = [
        r.fill(values)
        for r in site_routes()
        if kind_of(r) in {"team", "ops", "public"} and r.name not in {"metrics"}
    ]

    @settings(EXAMPLES, max_examples=150)
    @given(
        url=st.sampled_from(urls),
        query=st.dictionaries(st.sampled_from(QUERY_NAMES), VALUE, max_size=4),
        htmx=st.booleans(),
    )
    def get(url: str, query: dict[str, Any], htmx: bool) -> None:
        headers = {"HX-Request": "true"} if htmx else {}
        assert_handled(client.get(url, query, headers=headers), f"GET {url} {query!r:.200}")

    get()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/apps",
        "/api/v1/connections",
        "/api/v1/connections/{id}",
        "/api/v1/connections/{id}/check",
        "/api/v1/connections/{id}/checks/{id}",
        "/api/v1/connections/{id}/token",
    ],
)
def test_every_api_endpoint_survives_malformed_input(
    world: World, path: str, settings: Any
) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    api = Client(headers={"Authorization": f"Bearer {world.alice_key}"})
    api_names = ["status", "app", "limit", "offset", "id", "check_id", "format"]

    @EXAMPLES
    @given(
        ident=st.one_of(NASTY, st.just(str(world.connection.pk))),
        query=st.dictionaries(st.sampled_from(api_names), VALUE, max_size=4),
        body=st.one_of(st.none(), st.binary(max_size=300), NASTY.map(str.encode)),
    )
    def call(ident: str, query: dict[str, Any], body: bytes | None) -> None:
        from urllib.parse import quote

        url = path.replace("{id}", quote(ident, safe="") or "x")
        for method in ("get", "post"):
            if method == "post" and body is not None:
                response = api.post(url + "?" + "&".join(
                    f"{k}={quote(str(v))}" for k, v in query.items()
                ), body, content_type="application/json")  # fmt: skip
            else:
                response = getattr(api, method)(url, query)
            assert_handled(response, f"{method.upper()} {url} {query!r:.200}")
            if "json" in response.get("Content-Type", ""):
                if response.status_code >= 400:
                    assert response.json()["message"], url
            else:  # an id no API route matches: the site's own 404 (or 405) page
                assert response.status_code in {404, 405}, (url, response.status_code)

    call()


@pytest.mark.parametrize("value", ["a\x00b", "9" * 30, "-1", "💥" * 200])
def test_every_query_parameter_of_every_page_survives_the_classics(
    world: World, value: str
) -> None:
    # Not left to chance: each parameter name on each page, with NUL and huge numbers.
    client = _owner_client(world)
    values = {**world.values, "token": world.invitation.token, "provider_key": "intercom"}  # type: ignore[attr-defined]
    for route in site_routes():
        if kind_of(route) not in {"team", "ops", "public"} or route.name == "metrics":
            continue
        url = route.fill(values)
        for name in QUERY_NAMES:
            assert_handled(client.get(url, {name: value}), f"GET {url}?{name}={value!r:.20}")
    api = Client(headers={"Authorization": f"Bearer {world.alice_key}"})
    for name in ("status", "app", "limit", "offset"):
        response = api.get("/api/v1/connections", {name: value})
        assert response.status_code in {200, 422}, (name, response.status_code)
