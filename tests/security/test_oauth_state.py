"""A connect callback with a tampered, replayed, expired, missing or foreign state stores
nothing: no connection, check, transition, audit event, social account or token, and
no token exchange is even attempted. Intercom is faked at the one HTTP seam
(tests/connect/fake_intercom.py); everything else is the real allauth flow.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.socialaccount.internal import statekit
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.test import Client

from connectors.models import App, Check, Connection, Transition
from portal.models import AuditEvent, User
from tests.connect.conftest import callback_url, start
from tests.connect.fake_intercom import TOKEN, FakeIntercom

pytestmark = pytest.mark.django_db


def _stored() -> dict[str, int]:
    return {
        "connections": Connection.objects.count(),
        "checks": Check.objects.count(),
        "transitions": Transition.objects.count(),
        "connect audit": AuditEvent.objects.filter(action__startswith="connection.").count(),
        "social accounts": SocialAccount.objects.count(),
        "social tokens": SocialToken.objects.count(),
    }


NOTHING = {
    "connections": 0, "checks": 0, "transitions": 0, "connect audit": 0,
    "social accounts": 0, "social tokens": 0,
}  # fmt: skip


def _refused(page: object) -> None:
    assert page.status_code == 400  # type: ignore[attr-defined]
    text = page.content.decode()  # type: ignore[attr-defined]
    assert "Nothing was stored" in text
    assert "Try again" in text


def _tamper(state: str) -> str:
    flipped = "A" if state[-1] != "A" else "B"
    return state[:-1] + flipped


@pytest.mark.parametrize(
    "forge",
    [_tamper, lambda s: s + "x", lambda s: s[:-1], lambda s: "", lambda s: "../" + s],
    ids=["flipped-char", "appended", "truncated", "empty", "garbage"],
)
def test_a_tampered_state_stores_nothing(
    bob_client: Client, app: App, fake_intercom: FakeIntercom, forge: Callable[[str], str]
) -> None:
    started = start(bob_client, app)
    page = bob_client.get(callback_url(app), {"code": "c", "state": forge(started.state)})
    _refused(page)
    assert fake_intercom.calls == []
    assert _stored() == NOTHING
    # The genuine state still works afterwards: forging it did not burn the real attempt.
    assert (
        bob_client.get(callback_url(app), {"code": "c", "state": started.state}).status_code == 302
    )


def test_a_replayed_state_stores_nothing_more(
    bob_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    started = start(bob_client, app)
    query = {"code": "c", "state": started.state}
    assert bob_client.get(callback_url(app), query).status_code == 302
    after_first = _stored()
    calls = len(fake_intercom.calls)
    _refused(bob_client.get(callback_url(app), query))
    assert _stored() == after_first
    assert len(fake_intercom.calls) == calls
    assert after_first["social accounts"] == after_first["social tokens"] == 0


def test_an_expired_state_stores_nothing(
    bob_client: Client, app: App, fake_intercom: FakeIntercom, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = start(bob_client, app)
    later = statekit.time.time() + statekit.STATE_TTL + 1
    monkeypatch.setattr(statekit.time, "time", lambda: later)
    _refused(bob_client.get(callback_url(app), {"code": "c", "state": started.state}))
    assert fake_intercom.calls == []
    assert _stored() == NOTHING


@pytest.mark.parametrize("thief", ["alice", "charlie", "anonymous"])
def test_a_state_from_another_session_stores_nothing(
    bob_client: Client,
    app: App,
    fake_intercom: FakeIntercom,
    client_for: Callable[[User], Client],
    alice: User,
    charlie: User,
    thief: str,
) -> None:
    started = start(bob_client, app)
    other = {"alice": lambda: client_for(alice), "charlie": lambda: client_for(charlie)}.get(
        thief, Client
    )()
    _refused(other.get(callback_url(app), {"code": "c", "state": started.state}))
    assert fake_intercom.calls == []
    assert _stored() == NOTHING
    # The callback signs nobody in: an anonymous thief stays anonymous.
    if thief == "anonymous":
        assert "_auth_user_id" not in other.session


def test_a_state_for_another_apps_callback_stores_nothing(
    bob_client: Client, app: App, fake_intercom: FakeIntercom
) -> None:
    from tests.connectors.factories import AppFactory

    other_app = AppFactory(team=app.team, region="us", name="Other helpdesk")
    started = start(bob_client, app)
    page = bob_client.get(callback_url(other_app), {"code": "c", "state": started.state})
    assert page.status_code == 400
    assert _stored() == NOTHING
    assert TOKEN not in page.content.decode()
