"""Where webhooks may go: never, in production, to the portal's own network (SSRF guard).

Checked when a URL is saved and again before each send, because DNS can change. The
send resolves the host once, here, and connects to the address it checked, so a name
that answers differently a moment later (DNS rebinding) cannot redirect it.
`WEBHOOK_ALLOW_PRIVATE` (default: DEBUG) lets development and tests use local receivers
over plain http://; production takes https:// only.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services answer on these even where they are not link-local.
_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}

# Python's `is_global` differs between versions, so the ranges are spelled out (IANA's
# special-purpose registries); `is_global` still refuses anything else it knows of.
_REFUSED_V4 = [
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
    )
]
_REFUSED_V6 = [
    ipaddress.IPv6Network(n)
    for n in (
        "::/8",  # unspecified, loopback, IPv4-compatible and -translated forms
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments (Teredo's 2001::/32 among them)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "64:ff9b:1::/48",  # local-use NAT64: its IPv4 half is some private network's
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, still routed by some stacks)
        "ff00::/8",  # multicast
    )
]
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_COMPATIBLE = ipaddress.IPv6Network("::/96")
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in _NAT64 or ip in _TRANSLATED or (ip in _COMPATIBLE and int(ip) > 1):
        return [low32]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        server, client = ip.teredo
        return [server, client]
    return []


def address_refused(ip: IPAddress) -> bool:
    """True for any address that is not a public unicast one, however it is written."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if any(address_refused(v4) for v4 in inner):
            return True
        if ip.ipv4_mapped is not None or ip in _NAT64:
            return False  # the IPv4 address it stands for is public
        if any(ip in net for net in _REFUSED_V6):
            return True
    elif any(ip in net for net in _REFUSED_V4):
        return True
    return not ip.is_global or ip.is_multicast


@dataclass(frozen=True)
class WebhookTarget:
    """A URL's verdict: `refusal` for the person, or the one `address` to connect to."""

    refusal: str | None
    address: str | None = None


def _refused(message: str) -> WebhookTarget:
    return WebhookTarget(refusal=message)


def webhook_target(url: str, *, allow_private: bool | None = None) -> WebhookTarget:
    """Resolve `url`'s host once and judge every address it has."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _refused(
            "This is not a valid URL. Use a full address such as https://example.com/hooks."
        )
    if allow_private is None:
        allow_private = bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))
    schemes = {"http", "https"} if allow_private else {"https"}
    if parts.scheme not in schemes or not parts.hostname:
        return _refused("Use a full https:// address, such as https://example.com/hooks.")
    if parts.username or parts.password:
        return _refused(
            "Leave user names and passwords out of the URL; verify the signature instead."
        )
    host = parts.hostname.lower().rstrip(".")
    local_name = host in _METADATA_HOSTS or host == "localhost" or host.endswith(".localhost")
    if local_name and not allow_private:
        return _refused(
            f"{host} is a local or cloud-metadata address; webhooks must go to a public host."
        )
    default_port = 443 if parts.scheme == "https" else 80
    try:
        infos = socket.getaddrinfo(host, port or default_port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return _refused(
            f"The host {host} could not be found in DNS. Check the spelling, then try again."
        )
    addresses = list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))
    if not addresses:
        return _refused(
            f"The host {host} has no address in DNS. Check the spelling, then try again."
        )
    if not allow_private:
        refused = [a for a in addresses if address_refused(ipaddress.ip_address(a))]
        if refused:
            return _refused(
                f"{host} resolves to a private, loopback, link-local or reserved address "
                f"({refused[0]}); webhooks must go to a public address."
            )
    return WebhookTarget(refusal=None, address=addresses[0])


def webhook_url_refusal(url: str, *, allow_private: bool | None = None) -> str | None:
    """Why `url` may not receive webhooks (a message for the person), or None if it may."""
    return webhook_target(url, allow_private=allow_private).refusal
