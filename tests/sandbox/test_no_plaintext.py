"""The sandbox's tables never hold a secret, code or token in plaintext."""

from __future__ import annotations

from django.apps import apps
from django.db import connection

from connectors.providers.intercom.sandbox.models import SandboxApp
from tests.sandbox.conftest import Sandbox
from tests.sandbox.factories import SandboxAppFactory


def _every_stored_value() -> str:
    dump = []
    with connection.cursor() as cursor:
        for model in apps.get_app_config("intercom_sandbox").get_models():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            dump.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dump)


def test_the_database_holds_no_plaintext_secret_code_or_token(sandbox: Sandbox) -> None:
    app: SandboxApp = SandboxAppFactory(expiring_tokens=True)
    secret = app.client_secret  # type: ignore[attr-defined]
    code = sandbox.approve(app)["code"]
    tokens = sandbox.exchange(app, code).json()
    refreshed = sandbox.http.post(
        f"{sandbox.base}/auth/eagle/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": app.client_id,
            "client_secret": secret,
        },
    ).json()
    stored = _every_stored_value()
    assert app.client_id in stored  # the dump is real: a public value is there
    for value in [
        secret,
        code,
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed["access_token"],
        refreshed["refresh_token"],
    ]:
        assert value not in stored
