"""The client's address: the one rule every limit, the audit log and allauth use.

Behind a reverse proxy every request arrives from the proxy's address, so keying limits
on REMOTE_ADDR would make all clients share one budget. X-Forwarded-For is believed only
when the request comes from an address listed in TRUSTED_PROXIES (CIDRs, default: none),
and then only as far as the chain of trusted hops reaches: walking the header from the
right, the first address that is not a trusted proxy is the client. Anything a client
writes to the left of that is ignored, so it cannot pick its own address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(entries: Sequence[str]) -> tuple[Network, ...]:
    """The networks of TRUSTED_PROXIES; raises ValueError naming a malformed entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or CIDR such as 10.0.0.0/8") from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_trusted_proxies(entries)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent `request` ("" when there is none)."""
    remote = _address(str(request.META.get("REMOTE_ADDR") or ""))
    if remote is None:
        return ""
    trusted = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not trusted:
        return str(remote)
    # The server joins repeated X-Forwarded-For headers with commas, in order.
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    client = remote
    while hops and any(client in network for network in trusted):
        hop = _address(hops.pop())
        if hop is None:  # garbage a trusted proxy passed on: its sender is our best answer
            break
        client = hop
    return str(client)
