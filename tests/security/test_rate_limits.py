"""Rate limits engage: allauth's sign-in and sign-up, the uninstall hook per app and
sender, and the API per key and per client address (keys or not)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from portal.models import User
from tests.factories import PASSWORD
from tests.security.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mid_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """The portal's windows are fixed minutes: a burst that straddled a minute's end
    would be counted in two windows. Pin the counter's clock to a minute's first second."""
    import time
    from types import SimpleNamespace

    from portal import ratelimit

    start = (int(time.time()) // 60 + 1) * 60
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: float(start)))


def _per_minute(rule: str, scope: str) -> int:
    """The count of the `<n>/m/<scope>` part of an allauth rate rule."""
    for part in rule.split(","):
        count, period, *rest = part.split("/")
        if period == "m" and rest == [scope]:
            return int(count)
    raise AssertionError(f"no per-minute {scope} limit in {rule!r}")


def test_sign_in_is_limited_per_address() -> None:
    limit = _per_minute(django_settings.ACCOUNT_RATE_LIMITS["login"], "ip")
    client = Client()
    codes = [
        client.post("/accounts/login/", {"login": f"u{i}@example.com", "password": "x"}).status_code
        for i in range(limit + 1)
    ]
    assert 429 not in codes[: min(limit, 10)]
    assert codes[-1] == 429


def test_failed_sign_ins_for_one_account_are_limited(alice: User) -> None:
    rule = django_settings.ACCOUNT_RATE_LIMITS["login_failed"]
    per_key = int(next(p for p in rule.split(",") if p.endswith("/key")).split("/")[0])
    for i in range(per_key):
        # Each from another address, so only the per-account limit can engage.
        Client(REMOTE_ADDR=f"10.0.0.{i + 1}").post(
            "/accounts/login/", {"login": alice.email, "password": "wrong"}
        )
    # Now even the right password is refused for a while, with a message saying so.
    response = Client(REMOTE_ADDR="10.0.1.1").post(
        "/accounts/login/", {"login": alice.email, "password": PASSWORD}
    )
    assert response.status_code in {200, 429}
    assert "_auth_user_id" not in response.client.session
    assert b"Too many" in response.content


def test_sign_up_is_limited_per_address() -> None:
    limit = _per_minute(django_settings.ACCOUNT_RATE_LIMITS["signup"], "ip")
    client = Client()
    codes = [
        client.post(
            "/accounts/signup/",
            {"email": f"n{i}@example.com", "password1": PASSWORD, "password2": PASSWORD},
        ).status_code
        for i in range(limit + 1)
    ]
    assert 429 not in codes[:limit]
    assert codes[-1] == 429
    assert User.objects.filter(email=f"n{limit}@example.com").count() == 0


def test_the_uninstall_hook_is_limited_per_sender_whatever_app_it_names(world: World) -> None:
    # The README: 60 notices a minute per sender address, whatever app they name.
    sender = Client(REMOTE_ADDR="203.0.113.7")
    codes = [
        sender.post(
            f"/hooks/intercom/app-{i}/uninstall", b'{"app_id": "x"}',
            content_type="application/json",
        ).status_code
        for i in range(61)
    ]  # fmt: skip
    assert codes[:-1] == [200] * 60
    assert codes[-1] == 429
    url = f"/hooks/intercom/{world.app.public_id}/uninstall"
    assert sender.post(url, b"{}", content_type="application/json").status_code == 429
    # Another sender still gets through.
    other = Client(REMOTE_ADDR="203.0.113.8")
    assert other.post(url, b"{}", content_type="application/json").status_code == 200


def test_the_api_is_limited_per_key(world: World, settings: object) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 3  # type: ignore[attr-defined]
    settings.API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE = 1000  # type: ignore[attr-defined]
    alice = Client(headers={"Authorization": f"Bearer {world.alice_key}"})
    codes = [alice.get("/api/v1/apps").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "This API key" in alice.get("/api/v1/apps").json()["message"]
    # Charlie's key, from the same address, has its own budget.
    charlie = Client(headers={"Authorization": f"Bearer {world.charlie_key}"})
    assert charlie.get("/api/v1/apps").status_code == 200


def test_the_api_is_limited_per_address_even_for_made_up_keys(
    world: World, settings: object
) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 1000  # type: ignore[attr-defined]
    settings.API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE = 5  # type: ignore[attr-defined]
    guesser = Client(REMOTE_ADDR="198.51.100.9")
    codes = [
        guesser.get("/api/v1/apps", headers={"Authorization": f"Bearer cpk_guess{i}"}).status_code
        for i in range(6)
    ]
    assert codes == [401] * 5 + [429]
    # Even a valid key is slowed from that address; another address is not.
    response = guesser.get("/api/v1/apps", headers={"Authorization": f"Bearer {world.alice_key}"})
    assert response.status_code == 429
    assert "your address" in response.json()["message"]
    assert 1 <= int(response["Retry-After"]) <= 60
    fresh = Client(REMOTE_ADDR="198.51.100.10")
    assert (
        fresh.get("/api/v1/apps", headers={"Authorization": f"Bearer {world.alice_key}"})
    ).status_code == 200


def test_the_address_limit_defaults_to_five_keys_worth(world: World, settings: object) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 2  # type: ignore[attr-defined]
    settings.API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE = 0  # type: ignore[attr-defined]
    client = Client(REMOTE_ADDR="198.51.100.20")
    codes = [
        client.get("/api/v1/apps", headers={"Authorization": "Bearer cpk_nope"}).status_code
        for _ in range(11)
    ]
    assert codes == [401] * 10 + [429]
