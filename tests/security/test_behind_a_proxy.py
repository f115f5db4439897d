"""Finding 2 (issue 17): behind the TLS proxy the README describes, every request arrives
from the proxy's address. With the proxy listed in TRUSTED_PROXIES the limits key on the
client behind it, so one client's failures never lock out another; a client that is not
the proxy cannot choose its address by sending X-Forwarded-For itself."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory

from connectors.views import hooks
from portal.clientaddr import client_ip
from portal.models import User
from tests.factories import PASSWORD
from tests.security.conftest import World

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the TLS proxy, on the portal's private network
ATTACKER = "198.51.100.66"
VICTIM = "203.0.113.5"


@pytest.fixture(autouse=True)
def _behind_a_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]


def via_proxy(client_address: str) -> Client:
    """A client whose requests reach the portal through the proxy, as they would in
    production: REMOTE_ADDR is the proxy, X-Forwarded-For carries the client."""
    return Client(REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": client_address})


# (REMOTE_ADDR, X-Forwarded-For, the client's address), with 10.0.0.0/24 trusted.
ADDRESSES = [
    (PROXY, VICTIM, VICTIM),
    (PROXY, f"{ATTACKER}, {VICTIM}", VICTIM),  # the client wrote a fake hop to the left
    (PROXY, f"{VICTIM}, 10.0.0.3", VICTIM),  # two trusted proxies in a row
    (PROXY, "", PROXY),
    (PROXY, "not-an-address", PROXY),
    (PROXY, "[2001:db8::5]:443", "2001:db8::5"),
    (PROXY, f"{VICTIM}:51234", VICTIM),
    (ATTACKER, VICTIM, ATTACKER),  # not from the proxy: the header is ignored
    ("::ffff:10.0.0.2", VICTIM, VICTIM),
]


@pytest.mark.parametrize(("remote", "forwarded", "expected"), ADDRESSES)
def test_the_client_address_follows_only_trusted_hops(
    remote: str, forwarded: str, expected: str
) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_without_trusted_proxies_the_header_is_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=VICTIM)
    assert client_ip(request) == PROXY


def test_guessed_api_keys_do_not_lock_out_another_client(world: World, settings: Any) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 1000
    settings.API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE = 5
    guesser = via_proxy(ATTACKER)
    codes = [
        guesser.get("/api/v1/apps", headers={"Authorization": f"Bearer cpk_guess{i}"}).status_code
        for i in range(8)
    ]
    assert codes[-1] == 429
    answer = via_proxy(VICTIM).get(
        "/api/v1/apps", headers={"Authorization": f"Bearer {world.alice_key}"}
    )
    assert answer.status_code == 200


def test_a_flooding_hook_sender_does_not_silence_another(world: World) -> None:
    url = f"/hooks/intercom/{world.app.public_id}/uninstall"
    flooder = via_proxy(ATTACKER)
    codes = [
        flooder.post(url, b"{}", content_type="application/json").status_code
        for _ in range(hooks.RATE_LIMIT + 1)
    ]
    assert codes[-1] == 429
    other = via_proxy(VICTIM).post(url, b"{}", content_type="application/json")
    assert other.status_code == 200


def test_failed_sign_ins_do_not_lock_out_another_client(alice: User) -> None:
    rule = django_settings.ACCOUNT_RATE_LIMITS["login_failed"]
    per_ip = int(next(p for p in rule.split(",") if p.endswith("/m/ip")).split("/")[0])
    guesser = via_proxy(ATTACKER)
    for i in range(per_ip + 2):
        guesser.post("/accounts/login/", {"login": f"nobody{i}@example.com", "password": "x"})
    refused = guesser.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert "_auth_user_id" not in refused.client.session  # the guesser is limited
    victim = via_proxy(VICTIM)
    victim.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert "_auth_user_id" in victim.session
