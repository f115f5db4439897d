"""Every way a connect attempt fails gets our page, says what to do, and stores nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.socialaccount.internal import statekit
from django.test import Client

from connectors.models import App, Check, Connection, Transition
from portal.models import AuditEvent, User
from tests.connect.conftest import callback_url, connect_url, start
from tests.connect.fake_intercom import FakeIntercom, error_list

pytestmark = pytest.mark.django_db


def assert_nothing_stored() -> None:
    assert not Connection.objects.exists()
    assert not Check.objects.exists()
    assert not Transition.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="connection.").exists()


def assert_try_again(text: str, app: App) -> None:
    assert "Try again" in text
    assert f'action="{connect_url(app)}"' in text


def test_deny_shows_the_cancellation_page_with_try_again(
    bob_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    started = start(bob_client, app)
    page = bob_client.get(callback_url(app), {"error": "access_denied", "state": started.state})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Connection cancelled" in text
    assert "pressed Deny" in text
    assert_try_again(text, app)
    assert fake_intercom.calls == []
    assert_nothing_stored()


def test_a_missing_state_is_refused(
    bob_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    start(bob_client, app)
    page = bob_client.get(callback_url(app), {"code": "c"})
    assert page.status_code == 400
    assert "expired or was not started here" in page.content.decode()
    assert_try_again(page.content.decode(), app)
    assert fake_intercom.calls == []
    assert_nothing_stored()


def test_a_state_from_another_session_is_refused(
    bob_client: Client,
    alice: User,
    client_for: Callable[[User], Client],
    app: App,
    fake_intercom: FakeIntercom,
) -> None:
    started = start(bob_client, app)
    page = client_for(alice).get(callback_url(app), {"code": "c", "state": started.state})
    assert page.status_code == 400
    assert "started in this browser session" in page.content.decode()
    assert fake_intercom.calls == []
    assert_nothing_stored()


def test_an_expired_state_is_refused(
    bob_client: Client, app: App, fake_intercom: FakeIntercom, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = start(bob_client, app)
    later = statekit.time.time() + statekit.STATE_TTL + 1
    monkeypatch.setattr(statekit.time, "time", lambda: later)
    page = bob_client.get(callback_url(app), {"code": "c", "state": started.state})
    assert page.status_code == 400
    assert "may have expired" in page.content.decode()
    assert_nothing_stored()


def test_a_replayed_callback_is_refused_and_changes_nothing(
    bob_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    started = start(bob_client, app)
    query = {"code": "c", "state": started.state}
    assert bob_client.get(callback_url(app), query).status_code == 302
    calls = len(fake_intercom.calls)
    page = bob_client.get(callback_url(app), query)
    assert page.status_code == 400
    assert "used already" in page.content.decode()
    assert len(fake_intercom.calls) == calls
    assert Connection.objects.count() == 1
    assert Check.objects.count() == 1


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ((401, error_list("unauthorized", "Unauthorized Client")), "HTTP 401, unauthorized"),
        ((400, {"error": "invalid_grant"}), "HTTP 400, invalid_grant"),
        ((200, {"token_type": "Bearer"}), "without a token"),
    ],
    ids=["bad-client-secret", "bad-code", "no-token"],
)
def test_a_refused_exchange_says_so_and_stores_nothing(
    bob_client: Client,
    app: App,
    fake_intercom: FakeIntercom,
    answer: tuple[int, object],
    words: str,
) -> None:
    fake_intercom.token_answer = answer
    started = start(bob_client, app)
    page = bob_client.get(callback_url(app), {"code": "c", "state": started.state})
    assert page.status_code == 400
    text = page.content.decode()
    assert "refused to hand over a token" in text
    assert words in text
    assert_try_again(text, app)
    assert_nothing_stored()


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ((401, error_list("token_revoked", "Token revoked")), "token_revoked"),
        ((500, error_list("server_error")), "HTTP 500"),
        ((200, {"type": "admin", "app": "nonsense"}), "HTTP 200"),
        ((200, ["not", "an", "object"]), "HTTP 200"),
    ],
    ids=["me-401", "me-500", "me-nonsense", "me-not-an-object"],
)
def test_a_failing_or_nonsense_me_says_so_and_stores_nothing(
    bob_client: Client,
    app: App,
    fake_intercom: FakeIntercom,
    answer: tuple[int, object],
    words: str,
) -> None:
    fake_intercom.me_answer = answer
    started = start(bob_client, app)
    page = bob_client.get(callback_url(app), {"code": "c", "state": started.state})
    assert page.status_code == 400
    text = page.content.decode()
    assert "The new token did not work" in text
    assert words in text
    assert "tok_live_" not in text
    assert_nothing_stored()


@pytest.mark.parametrize("where", ["token", "me"])
@pytest.mark.parametrize("kind", ["timeout", "connect"])
def test_a_timeout_or_connection_error_says_try_again_later_and_stores_nothing(
    bob_client: Client, app: App, fake_intercom: FakeIntercom, where: str, kind: str
) -> None:
    setattr(fake_intercom, f"{where}_answer", kind)
    started = start(bob_client, app)
    page = bob_client.get(callback_url(app), {"code": "c", "state": started.state})
    assert page.status_code == 400
    text = page.content.decode()
    assert "could not be reached" in text
    assert "usually temporary" in text
    assert_try_again(text, app)
    assert_nothing_stored()


def test_a_callback_for_an_unknown_app_is_404(client: Client) -> None:
    assert client.get("/accounts/intercom/intercom-nope/login/callback/").status_code == 404


def test_the_failure_page_offers_try_again_only_to_members(
    charlie_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    page = charlie_client.get(callback_url(app), {"code": "c", "state": "forged"})
    assert page.status_code == 400
    text = page.content.decode()
    assert "Try again</button>" not in text
    assert app.team.slug not in text
    assert_nothing_stored()
