"""Deeply nested and huge JSON bodies get a 4xx (or the hook's usual 200), never a 500.

The attack from the report: 5,000 `[` made the parser raise RecursionError, a 500 with a
traceback, and the hook's rate limit counted per app id, so varying the id gave
unlimited tries. Every hook and every JSON body the site takes is fuzzed here.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.security.conftest import World

pytestmark = pytest.mark.django_db

SANDBOX = "/sandbox/intercom"
NESTED = {
    "5,000 [": b"[" * 5000,
    "5,000 {": b'{"a":' * 5000,
    "closed nesting": b"[" * 100_000 + b"]" * 100_000,
    "nested objects closed": b'{"a":' * 3000 + b"1" + b"}" * 3000,
    "nested in app_id": b'{"app_id": ' + b"[" * 5000 + b"]" * 5000 + b"}",
}
HUGE = {
    "a 2 MB string": b'{"app_id": "' + b"x" * 2_000_000 + b'"}',
    "200,000 numbers": b"[" + b",".join([b"1"] * 200_000) + b"]",
    "a 1 MB key": b'{"' + b"k" * 1_000_000 + b'": 1}',
}
BODIES = {**NESTED, **HUGE}


def _post(client: Client, url: str, body: bytes, **headers: Any) -> int:
    return client.post(url, body, content_type="application/json", **headers).status_code


def test_the_reported_uninstall_notice_is_answered_not_crashed(world: World) -> None:
    url = f"/hooks/intercom/{world.app.public_id}/uninstall"
    assert _post(Client(), url, b"[" * 5000) == 200


@pytest.mark.parametrize("body", list(BODIES))
def test_every_hook_survives(world: World, body: str) -> None:
    client = Client(REMOTE_ADDR="198.51.100.20")
    for app_id in (world.app.public_id, "unknown-app"):
        for provider in ("intercom", "nosuchprovider"):
            code = _post(client, f"/hooks/{provider}/{app_id}/uninstall", BODIES[body])
            assert code in {200, 400, 413, 429}, (provider, app_id, code)


@pytest.mark.parametrize("body", list(NESTED))
def test_the_sandbox_control_api_refuses_nested_json_with_a_400(settings: Any, body: str) -> None:
    settings.SANDBOX_ENABLED = True
    url = f"{SANDBOX}/_control/apps"
    answer = Client().post(url, NESTED[body], content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"]


SANDBOX_POSTS = [
    "/_control/apps",
    "/_control/workspaces/acme0us1",
    "/_control/tokens/1",
    "/_control/reset",
    "/auth/eagle/token",
    "/auth/uninstall",
]


@pytest.mark.parametrize("path", SANDBOX_POSTS)
@pytest.mark.parametrize("body", list(BODIES))
def test_every_sandbox_body_survives(settings: Any, path: str, body: str) -> None:
    settings.SANDBOX_ENABLED = True
    code = _post(Client(), SANDBOX + path, BODIES[body])
    assert 400 <= code < 500 or code == 200, code


API_POSTS = ["/api/v1/connections/{id}/check"]
API_GETS = ["/api/v1/apps", "/api/v1/connections", "/api/v1/connections/{id}"]


@pytest.mark.parametrize("body", list(BODIES))
def test_every_api_body_survives(world: World, settings: Any, body: str) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    api = Client(headers={"Authorization": f"Bearer {world.alice_key}"})
    for path in API_POSTS + API_GETS:
        url = path.replace("{id}", str(world.connection.pk))
        code = _post(api, url, BODIES[body])
        assert code < 500, (url, code)
