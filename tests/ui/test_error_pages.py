"""Branded 403/404/500 pages with DEBUG off, and an expected 403 logged as one line."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from django.test import Client

from portal.models import Team, User
from tests.connectors.factories import AppFactory, ConnectionFactory

# (what happens, the status, words the page must say)
PAGES = [
    ("no such page", 404, "There is no such page"),
    ("a viewer presses an owner's button", 403, "You can't do that here"),
    ("a bug", 500, "Something went wrong on our side"),
]


@pytest.mark.django_db
def test_error_pages_are_the_portals_own_with_debug_off(
    settings: object, viewer: User, team: Team, client_for: Callable[[User], Client]
) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    settings.ROOT_URLCONF = "tests.ui.boom_urls"  # type: ignore[attr-defined]
    connection = ConnectionFactory(app=AppFactory(team=team), team=team)
    client = client_for(viewer)
    client.raise_request_exception = False
    answers = {
        "no such page": client.get("/no/such/page/"),
        "a viewer presses an owner's button": client.post(
            f"/t/{team.slug}/connections/{connection.pk}/disconnect/"
        ),
        "a bug": client.get("/boom/"),
    }
    for what, status, words in PAGES:
        answer = answers[what]
        assert answer.status_code == status, what
        html = answer.content.decode()
        assert words in html, what
        assert "portal.css" in html, what  # styled like every other page
        assert settings.PORTAL_NAME in html, what  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_an_expected_403_is_one_log_line_without_a_traceback(
    viewer: User, team: Team, client_for: Callable[[User], Client], caplog: pytest.LogCaptureFixture
) -> None:
    connection = ConnectionFactory(app=AppFactory(team=team), team=team)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client_for(viewer).post(f"/t/{team.slug}/connections/{connection.pk}/disconnect/")
    [record] = [r for r in caplog.records if r.name == "django.request"]
    # What the configured stdout handler writes for it.
    [stdout] = [h for h in logging.getLogger().handlers if h.get_name() == "stdout"]
    assert stdout.filter(record)
    written = stdout.format(record)
    assert written.count("\n") == 0, written
    assert "WARNING django.request Forbidden" in written
