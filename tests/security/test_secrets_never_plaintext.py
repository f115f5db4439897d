"""After a scenario that makes every kind of secret, none of them is in plaintext in the
database (every text, JSON and binary column, and the decoded sessions), in any log
record, in any HTML page of the portal, or in the Django admin.

Secrets made: an app's client secret, access and refresh tokens from a real connect over
the sandbox (with expiring tokens), a webhook signing secret and an API key. Pages that
show a new secret exactly once by design are not visited; everything else is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from django.contrib.admin import site as admin_site
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse

from connectors.api.keys import apikey_create
from connectors.engine.refresh import connection_refresh
from connectors.models import App, Connection
from connectors.notify.models import WebhookEndpoint
from connectors.notify.services import endpoint_create
from connectors.providers.intercom.sandbox.models import SandboxApp
from portal.models import Team, User
from tests.connect.live import Dance, sandbox_apps_for, signed_in
from tests.engine.conftest import link
from tests.sandbox.conftest import Sandbox
from tests.security.routes import generic_values, kind_of, site_routes
from tests.support.leaks import assert_no_secret_leaks, register_test_secret


def _whole_database() -> Iterator[str]:
    """Every stored value as text: SQLite's dump, or every text/json/bytea column."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        yield from connection.connection.iterdump()
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type IN "
                "('text', 'character varying', 'character', 'jsonb', 'json', 'bytea')"
            )
            for table, column, kind in cursor.fetchall():
                cast = "encode(\"{c}\", 'escape')" if kind == "bytea" else '"{c}"::text'
                expression = cast.format(c=column)
                cursor.execute(f'SELECT {expression} FROM "{table}"')  # noqa: S608 (catalog)
                yield from (str(row[0]) for row in cursor.fetchall() if row[0])
    # Sessions are signed base64: decode them, a secret must not hide in there either.
    for session in Session.objects.all():
        yield repr(session.get_decoded())


def _scenario(team: Team, base: str, bob: User, alice: User) -> list[str]:
    app: App = sandbox_apps_for([team], base)[0]
    SandboxApp.objects.filter(client_id=app.client_id).update(expiring_tokens=True)
    with signed_in(base, bob) as http:
        page = Dance(http, app).consent("approve")
        assert page.status_code == 200, page.text[:300]
    connection_row = Connection.objects.get(app=app)
    # Intercom issues no refresh tokens; the sandbox's expiring-token mode does, so link a
    # second workspace that way and have the engine refresh it (rotating both tokens).
    sandbox = Sandbox(base=f"{base}/sandbox/intercom", http=httpx.Client(timeout=30))
    expiring = link(sandbox, team, expiring=True)
    first_refresh = expiring.connection.refresh_token.reveal()  # type: ignore[union-attr]
    connection_refresh(connection_id=expiring.connection.pk, force=True)
    rotated = Connection.objects.get(pk=expiring.connection.pk)
    assert rotated.refresh_token is not None
    assert rotated.refresh_token.reveal() != first_refresh
    _, hook_secret = endpoint_create(
        team=team, url="https://hooks.example.com/in", description="ops", event_types=[],
        actor=alice, request=None,
    )  # fmt: skip
    _, api_key = apikey_create(
        team=team, name="sync", scopes=["read", "tokens"], expires_at=None, actor=alice,
        request=None,
    )  # fmt: skip
    app.refresh_from_db()
    secrets = [
        app.client_secret.reveal(),  # type: ignore[union-attr]
        connection_row.access_token.reveal(),  # type: ignore[union-attr]
        expiring.token,
        expiring.sandbox_app.client_secret,  # type: ignore[attr-defined]
        first_refresh,
        rotated.access_token.reveal(),  # type: ignore[union-attr]
        rotated.refresh_token.reveal(),
        hook_secret.reveal(),
        api_key.reveal(),
    ]
    for secret in secrets:
        assert len(secret) >= 16
        register_test_secret(secret)
    return secrets


SHOWN_ONCE = {"apikey_new", "notify_endpoint_new"}  # reveal a brand-new secret, by design


def _every_portal_page(client: Client, team: Team) -> list[str]:
    values = {
        "team_slug": team.slug,
        "app_public_id": App.objects.filter(team=team).first().public_id,  # type: ignore[union-attr]
        "connection_id": Connection.objects.filter(team=team).first().pk,  # type: ignore[union-attr]
        "endpoint_id": WebhookEndpoint.objects.get(team=team).pk,
    }
    texts = []
    for route in site_routes():
        if kind_of(route) in {"connect", "api"} or route.name in SHOWN_ONCE:
            continue
        url = route.fill({**generic_values(route), **values})
        response = client.get(url)
        if response.status_code == 200 and not getattr(response, "streaming", False):
            texts.append(f"{url}\n{response.content.decode(errors='replace')}")
    return texts


def _admin_pages(client: Client) -> list[str]:
    texts = []
    for model in admin_site._registry:
        meta = model._meta
        urls = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")]
        for obj in model._default_manager.all()[:3]:
            try:
                urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change",
                                    args=[obj.pk]))  # fmt: skip
            except NoReverseMatch:
                continue
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            texts.append(f"{url}\n{response.content.decode()}")
    return texts


@pytest.mark.django_db(transaction=True)
def test_no_secret_in_the_database_logs_pages_or_admin(
    base: str, team: Team, alice: User, bob: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = _scenario(team, base, bob, alice)

    dump = list(_whole_database())
    assert any(team.slug in line for line in dump)  # the dump is real
    assert_no_secret_leaks(dump, secrets)

    alice.is_staff = alice.is_superuser = True  # staff for /ops/, superuser for the admin
    alice.save()
    client = Client()
    client.force_login(alice)
    pages = _every_portal_page(client, team)
    assert len(pages) > 25
    assert_no_secret_leaks(pages, secrets)
    admin = _admin_pages(client)
    assert any("connection" in text.lower() for text in admin)
    assert_no_secret_leaks(admin, secrets)

    # Everything logged along the way, by the web process and the sandbox's HTTP calls.
    formatter = logging.Formatter()
    records = caplog.get_records("call")
    assert records
    assert_no_secret_leaks((formatter.format(r) for r in records), secrets)
