"""SSRF: every way of writing a private address is refused, and a send connects only where
the guard looked (no second DNS lookup, so DNS rebinding cannot redirect it).

The table is the tester's: each entry is a URL a webhook might be given, and whether
production must refuse it. Numeric hosts resolve without a network.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.http import Timeout
from connectors.models import Connection
from connectors.notify import webhooks
from connectors.notify.dispatch import outbox_process
from connectors.notify.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from connectors.notify.ssrf import webhook_url_refusal
from portal.models import Team
from portal.secrets import Secret
from tests.connectors.factories import AppFactory, ConnectionFactory
from tests.notify.conftest import status_changed
from tests.notify.receiver import Receiver, run_receiver

REFUSED = [
    # IPv4, as written and in the shorthand forms resolvers accept
    "https://127.0.0.1/",
    "https://127.1/",
    "https://2130706433/",  # 127.0.0.1 as one decimal number
    "https://0x7f000001/",
    "https://0177.0.0.1/",  # octal
    "https://0.0.0.0/",
    "https://10.0.0.1/",
    "https://172.16.0.1/",
    "https://172.31.255.254/",
    "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/",  # carrier-grade NAT
    "https://192.0.0.8/",
    "https://192.0.2.10/",  # documentation
    "https://198.51.100.7/",
    "https://203.0.113.9/",
    "https://198.18.0.1/",  # benchmarking
    "https://224.0.0.251/",  # multicast
    "https://240.0.0.1/",  # reserved
    "https://255.255.255.255/",
    # IPv6 itself
    "https://[::]/",
    "https://[::1]/",
    "https://[fe80::1]/",
    "https://[fec0::1]/",  # site-local
    "https://[fc00::1]/",
    "https://[fd12:3456:789a::1]/",  # unique local
    "https://[ff02::1]/",  # multicast
    "https://[2001:db8::1]/",  # documentation
    "https://[100::1]/",  # discard
    # IPv4 inside IPv6
    "https://[::ffff:127.0.0.1]/",  # mapped
    "https://[::ffff:7f00:1]/",
    "https://[::ffff:169.254.169.254]/",
    "https://[::127.0.0.1]/",  # compatible
    "https://[::ffff:0:7f00:1]/",  # translated
    "https://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "https://[64:ff9b::10.0.0.1]/",
    "https://[64:ff9b:1::a00:1]/",  # local-use NAT64
    "https://[2002:a9fe:a9fe::]/",  # 6to4 of 169.254.169.254
    "https://[2002:7f00:1::1]/",
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    # names
    "https://localhost/",
    "https://api.localhost/",
    "https://metadata.google.internal/computeMetadata/v1/",
    # plain http is for development only
    "http://93.184.215.14/hook",
]
ALLOWED = [
    "https://93.184.215.14/hook",
    "https://8.8.8.8/",
    "https://[2606:4700:4700::1111]/",
    "https://[64:ff9b::808:808]/",  # NAT64 of 8.8.8.8: a public address
    "https://[::ffff:8.8.8.8]/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_production_refuses(url: str) -> None:
    assert webhook_url_refusal(url, allow_private=False) is not None


@pytest.mark.parametrize("url", ALLOWED)
def test_production_allows_public_https(url: str) -> None:
    assert webhook_url_refusal(url, allow_private=False) is None


def test_the_table_is_big_enough() -> None:
    assert len(REFUSED) + len(ALLOWED) >= 30


# --- the send itself -------------------------------------------------------------------


class FakeDns:
    """The outside world's DNS for one name: its answers in turn, the last repeating."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str, *answers: str) -> None:
        self.name, self.answers, self.lookups = name, list(answers), 0
        real = socket.getaddrinfo

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            if host != name:
                return real(host, port, *args, **kwargs)
            answer = self.answers[min(self.lookups, len(self.answers) - 1)]
            self.lookups += 1
            return real(answer, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from run_receiver()


def _deliver(team: Team, url: str) -> WebhookDelivery:
    WebhookEndpoint.objects.create(team=team, url=url, signing_secret=Secret("whsec_c3NyZg=="))
    connection: Connection = ConnectionFactory(app=AppFactory(team=team))
    outbox_process(event_id=status_changed(connection, "healthy", "revoked").pk)  # type: ignore[attr-defined]
    return WebhookDelivery.objects.get()


@pytest.mark.django_db
def test_a_rebinding_name_cannot_send_to_the_portals_network(
    team: Team, receiver: Receiver, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Public when the guard looks, the portal's own receiver when the client looks.
    settings.WEBHOOK_ALLOW_PRIVATE = False
    monkeypatch.setattr(webhooks, "WEBHOOK_TIMEOUT", Timeout(connect=0.5, read=1, total=2))
    port = receiver.url.split(":")[2].split("/")[0]
    dns = FakeDns(monkeypatch, "rebind.example.net", "93.184.215.14", "127.0.0.1")
    # The TLS port does not matter: whatever answers, it must not be the receiver.
    delivery = _deliver(team, f"https://rebind.example.net:{port}/hooks/portal")

    assert receiver.requests == []
    assert dns.lookups == 1
    assert delivery.state == DeliveryState.RETRYING


@pytest.mark.django_db
def test_a_send_connects_to_the_checked_address_with_the_name_as_host(
    team: Team, receiver: Receiver, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is local
    port = receiver.url.split(":")[2].split("/")[0]
    dns = FakeDns(monkeypatch, "hooks.example.net", "127.0.0.1", "192.0.2.1")
    delivery = _deliver(team, f"http://hooks.example.net:{port}/hooks/portal")

    [request] = receiver.requests
    assert request.headers["host"] == f"hooks.example.net:{port}"
    assert dns.lookups == 1
    assert delivery.state == DeliveryState.SUCCEEDED


@pytest.mark.django_db
def test_the_delivery_log_keeps_a_short_excerpt_of_the_answer(
    team: Team, receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True
    receiver.body = b"internal detail\n" * 40
    delivery = _deliver(team, receiver.url)

    assert delivery.state == DeliveryState.SUCCEEDED
    assert delivery.excerpt.startswith("internal detail internal")
    assert len(delivery.excerpt) <= 80
