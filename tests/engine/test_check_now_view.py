""" "Check now" on the connection page, and `manage.py check_connections`, through the stack."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from connectors.engine.batch import batch_run
from connectors.models import Check
from connectors.tasks import check_now
from portal.celery import app as celery_app
from tests.engine.conftest import Linked

pytestmark = pytest.mark.django_db(transaction=True)

HX = {"HTTP_HX_REQUEST": "true"}


def _urls(linked: Linked) -> tuple[str, str]:
    args = {"team_slug": linked.connection.team.slug, "connection_id": linked.connection.pk}
    return (
        reverse("connection_check_now", kwargs=args),
        reverse("connection_check_status", kwargs=args),
    )


@contextmanager
def _celery_conf(**changes: object) -> Iterator[None]:
    """Change the Celery app's config for one test; new broker connections follow it."""
    before = {key: celery_app.conf.get(key) for key in changes}

    def fresh_connections() -> None:
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    celery_app.conf.update(changes)
    fresh_connections()
    try:
        yield
    finally:
        celery_app.conf.update(before)
        fresh_connections()


@pytest.fixture
def eager() -> Iterator[None]:
    """Tasks run inline at enqueue time, as if a worker were instant."""
    with _celery_conf(task_always_eager=True):
        yield


@pytest.fixture
def queued() -> Iterator[None]:
    """Tasks go to the configured broker for real; drop what the test left there."""
    yield
    with suppress(Exception):  # a broker that cannot purge leaves nothing we depend on
        celery_app.control.purge()


@pytest.fixture
def broker_down() -> Iterator[None]:
    """The broker's port is closed (nothing listens on port 1)."""
    with _celery_conf(broker_url="redis://127.0.0.1:1/0", broker_transport_options={}):
        yield


def test_check_now_shows_progress_then_the_result_without_a_reload(
    linked: Linked, bob_client: Client, queued: None
) -> None:
    press, status = _urls(linked)
    answer = bob_client.post(press, **HX)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Checking" in page
    assert f'hx-get="{status}"' in page  # the fragment polls until the check is recorded
    assert "<html" not in page  # a fragment, not a page

    still = bob_client.get(status, **HX).content.decode()
    assert "Checking" in still

    check_now(linked.connection.pk)  # what the worker does with the queued task

    done = bob_client.get(status, **HX).content.decode()
    assert 'data-status="healthy"' in done
    assert "the token works" in done
    assert "hx-get" not in done  # polling stops


def test_presses_within_a_few_seconds_make_one_check(
    linked: Linked, bob_client: Client, eager: None
) -> None:
    press, _status = _urls(linked)
    for _ in range(3):
        assert bob_client.post(press, **HX).status_code == 200
    assert Check.objects.filter(connection=linked.connection, trigger="manual").count() == 1


def test_without_htmx_check_now_redirects_back_to_the_connection_page(
    linked: Linked, bob_client: Client, eager: None
) -> None:
    press, _status = _urls(linked)
    answer = bob_client.post(press)
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"/connections/{linked.connection.pk}/")


def test_a_viewer_may_not_check_now(linked: Linked, viewer: object, client_for: object) -> None:
    press, _status = _urls(linked)
    answer = client_for(viewer).post(press, **HX)  # type: ignore[operator]
    assert answer.status_code == 403
    assert not Check.objects.exists()


def test_an_outsider_sees_404_for_check_now_and_its_status(
    linked: Linked, charlie_client: Client, charlie_team: object
) -> None:
    press, status = _urls(linked)
    assert charlie_client.post(press, **HX).status_code == 404
    assert charlie_client.get(status, **HX).status_code == 404


def test_with_the_broker_down_the_page_says_checks_are_delayed(
    linked: Linked, bob_client: Client, broker_down: None
) -> None:
    press, _status = _urls(linked)
    answer = bob_client.post(press, **HX)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "task queue (the broker) is not reachable" in page
    assert "Nothing was changed" in page
    assert "Checks are delayed" in page
    linked.reload()
    assert linked.connection.check_requested_at is None  # the next press tries again
    assert not Check.objects.exists()


def test_check_connections_sync_checks_and_prints_a_table(linked: Linked) -> None:
    out = StringIO()
    call_command("check_connections", "--sync", "--team", linked.connection.team.slug, stdout=out)
    table = out.getvalue().splitlines()
    assert table[0].split()[:5] == ["id", "team", "workspace", "status", "outcome"]
    row = table[1]
    assert str(linked.connection.pk) in row
    assert "healthy" in row
    assert "ok" in row
    assert Check.objects.filter(connection=linked.connection, trigger="manual").count() == 1


def test_check_connections_says_when_nothing_matches(linked: Linked) -> None:
    with pytest.raises(CommandError, match="No connections match"):
        call_command("check_connections", "--sync", "--status", "revoked", stdout=StringIO())


def test_without_htmx_and_with_the_broker_down_the_page_says_checks_are_delayed(
    linked: Linked, bob_client: Client, broker_down: None
) -> None:
    press, _status = _urls(linked)
    answer = bob_client.post(press, follow=True)
    assert answer.status_code == 200
    assert "Checks are delayed" in answer.content.decode()
    assert not Check.objects.exists()


def test_check_now_follows_a_dead_token_through_its_confirming_retry(
    linked: Linked, bob_client: Client, queued: None
) -> None:
    # The issue: "Check now" showed "[healthy] ... revoked" and never updated after the
    # confirming check. Now it keeps polling until the status has settled.
    press, status = _urls(linked)
    linked.sandbox.control(f"tokens/{linked.token[:12]}", {"mode": "revoked"})
    bob_client.post(press, **HX)
    check_now(linked.connection.pk)  # the first dead-token answer
    first = bob_client.get(status, **HX)
    assert "Confirming with a second check" in first.content.decode()
    assert f'hx-get="{status}"' in first.content.decode()
    assert "HX-Trigger" not in first.headers

    connection = linked.reload()
    batch_run(ids=[connection.pk], lease_token=connection.lease_token, trigger="confirm")
    settled = bob_client.get(status, **HX)
    assert 'data-status="revoked"' in settled.content.decode()
    assert "hx-get" not in settled.content.decode()
    # The page's details and history refresh on this event.
    assert settled.headers["HX-Trigger"] == "connection-checked"
    detail = reverse("connection_detail", args=[linked.connection.team.slug, connection.pk])
    page = bob_client.get(detail).content.decode()
    assert 'hx-trigger="every 15s, connection-checked from:body"' in page
    live = bob_client.get(f"{detail}?part=live", **HX).content.decode()
    assert "<html" not in live
    assert 'id="connection-status" data-status="revoked" hx-swap-oob="true"' in live
    assert live.count('class="health-check-row"') == 2
