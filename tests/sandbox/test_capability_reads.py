"""The reads capabilities are checked with, over real HTTP, against Intercom's schemas;
and a workspace that withholds a permission answers those reads as Intercom does."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.providers.intercom.sandbox.models import SandboxApp
from tests.sandbox.conftest import Sandbox
from tests.sandbox.test_openapi_shapes import DOCUMENTED_CODES, SPEC, _assert_valid

pytestmark = pytest.mark.django_db(transaction=True)

# Intercom-OpenAPI 2.16: each list read, its 200 schema and that schema's `type`; and the
# Developer Hub permission it needs (Intercom's OAuth Scopes page).
READS = {
    "/conversations": ("conversation_list", "conversation.list", "read_conversations"),
    "/contacts": ("contact_list", "list", "read_users_companies"),
    "/companies": ("company_list", "list", "read_users_companies"),
    "/admins": ("admin_list", "admin.list", "read_admins"),
    "/tags": ("tag_list", "list", "read_tags"),
    "/articles": ("article_list", "list", "read_articles"),
}


def _read(sandbox: Sandbox, token: str, path: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    return sandbox.http.get(f"{sandbox.base}{path}", params={"per_page": "1"}, headers=headers)


def _withhold(sandbox: Sandbox, *keys: str, workspace: str = "acme0us1") -> httpx.Response:
    return sandbox.control(f"workspaces/{workspace}/permissions", {"withheld": list(keys)})


def test_the_vendored_subset_has_each_read_from_the_same_source() -> None:
    assert SPEC["info"]["x-source-commit"] == "8889625a7b931d8649e18726e7f872ff073520fc"
    for path, (schema, _type, _permission) in READS.items():
        ok = SPEC["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert ok["schema"]["$ref"] == f"#/components/schemas/{schema}"


@pytest.mark.parametrize("path", list(READS))
def test_each_read_answers_intercoms_list_schema(
    sandbox: Sandbox, sandbox_app: SandboxApp, path: str
) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    answer = _read(sandbox, token, path)
    schema, list_type, _permission = READS[path]
    assert answer.status_code == 200, answer.text
    _assert_valid(schema, answer.json())
    assert answer.json()["type"] == list_type
    for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert answer.headers[header].isdigit()


def test_a_withheld_permission_answers_token_unauthorized_only_where_it_is_needed(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    assert _withhold(sandbox, "read_users_companies").json()["withheld_permissions"] == [
        "read_users_companies"
    ]
    for path, (schema, _type, permission) in READS.items():
        answer = _read(sandbox, token, path)
        if permission == "read_users_companies":
            assert answer.status_code == 401, path
            _assert_valid("error", answer.json())
            error = answer.json()["errors"][0]
            assert (error["code"], error["message"]) == (
                "token_unauthorized", "Not authorized to access resource",
            )  # fmt: skip
            assert error["code"] in DOCUMENTED_CODES
        else:
            assert answer.status_code == 200, path
            _assert_valid(schema, answer.json())
    assert sandbox.me(token).status_code == 200  # /me needs none of them here

    _withhold(sandbox)  # grant them all again
    assert _read(sandbox, token, "/contacts").status_code == 200


def test_other_workspaces_keep_their_permissions(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    ours = sandbox.connect(sandbox_app)["token"]
    theirs = sandbox.connect(sandbox_app, workspace="globex0eu")["token"]
    _withhold(sandbox, "read_tags")
    assert _read(sandbox, ours, "/tags").status_code == 401
    assert _read(sandbox, theirs, "/tags").status_code == 200


def test_reset_grants_every_permission_again(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    _withhold(sandbox, "read_conversations")
    sandbox.http.post(f"{sandbox.base}/_control/reset")
    assert _read(sandbox, token, "/conversations").status_code == 200


def test_a_dead_token_is_refused_there_as_on_me(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    sandbox.control("workspaces/acme0us1", {"mode": "revoked"})
    answer = _read(sandbox, token, "/conversations")
    assert answer.status_code == 401
    assert answer.json()["errors"][0]["code"] == "token_revoked"
    assert _read(sandbox, "sbx_not-a-token", "/tags").json()["errors"][0]["code"] == (
        "token_not_found"
    )


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"withheld": "read_tags"}, "a list of permission keys"),
        ({"withheld": ["read_everything"]}, "Unknown permissions read_everything"),
        ({}, "a list of permission keys"),
    ],
)
def test_bad_permission_controls_are_refused_with_a_reason(
    sandbox: Sandbox, body: dict[str, Any], says: str
) -> None:
    answer = sandbox.control("workspaces/acme0us1/permissions", body)
    assert answer.status_code == 400
    assert says in answer.json()["error"]
    assert sandbox.control("workspaces/acme0us1").json()["withheld_permissions"] == []
