"""No client secret exists in plaintext in the database: not in the app table, nowhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from connectors.models import App
from portal.models import Team
from tests.connectors.app_support import (
    SECRET,
    draft_callback,
    leak_guard,  # noqa: F401 (fixture)
    new_url,
    setup_data,
)
from tests.connectors.factories import AppFactory, ConnectionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("leak_guard")]


def _whole_database() -> Iterator[str]:
    """Every stored value as text: SQLite's dump, or each text column of each Postgres table."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        yield from connection.connection.iterdump()
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'jsonb', 'json')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(f'SELECT "{column}"::text FROM "{table}"')  # noqa: S608 (catalog names)
            yield from (row[0] for row in cursor.fetchall() if row[0])


def test_the_app_table_holds_only_ciphertext(team: Team, alice_client: Client) -> None:
    callback = draft_callback(alice_client, team)
    alice_client.post(new_url(team), setup_data(callback))
    app = App.objects.get(team=team)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM connectors_app WHERE id = %s", [app.pk])
        row = cursor.fetchone()
    assert all(SECRET not in str(value) for value in row)
    stored = next(v for v in row if isinstance(v, str) and v.startswith("gAAAA"))
    assert stored  # Fernet ciphertext


def test_a_dump_of_the_whole_database_holds_no_secret(team: Team, alice_client: Client) -> None:
    callback = draft_callback(alice_client, team)
    alice_client.post(new_url(team), setup_data(callback))
    app = AppFactory(team=team)
    ConnectionFactory(app=app)
    secrets = [
        SECRET,
        app.client_secret.reveal(),
        *(c.access_token.reveal() for c in app.connections.all()),
    ]
    dump = "\n".join(_whole_database())
    assert "connectors_app" in dump or connection.vendor != "sqlite"
    for secret in secrets:
        assert secret not in dump


def test_an_apps_repr_and_str_hide_the_secret(team: Team) -> None:
    app = AppFactory(team=team, client_secret=SECRET)
    app.refresh_from_db()
    assert SECRET not in repr(app.client_secret)
    assert SECRET not in str(app.client_secret)
    assert SECRET not in repr(app.__dict__)
