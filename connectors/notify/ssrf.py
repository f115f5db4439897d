"""Where webhooks may go: never, in production, to the portal's own network (SSRF guard).

Checked when a URL is saved and again before each send, because DNS can change.
`WEBHOOK_ALLOW_PRIVATE` (default: DEBUG) lets development and tests use local receivers.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

# Cloud metadata services answer on these even where they are not link-local.
_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}


def _address_refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def webhook_url_refusal(url: str, *, allow_private: bool | None = None) -> str | None:
    """Why `url` may not receive webhooks (a message for the person), or None if it may."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "This is not a valid URL. Use a full address such as https://example.com/hooks."
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "Use a full http:// or https:// address, such as https://example.com/hooks."
    if parts.username or parts.password:
        return "Leave user names and passwords out of the URL; verify the signature instead."
    if allow_private is None:
        allow_private = bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))
    if allow_private:
        return None
    host = parts.hostname.lower().rstrip(".")
    if host in _METADATA_HOSTS or host == "localhost" or host.endswith(".localhost"):
        return f"{host} is a local or cloud-metadata address; webhooks must go to a public host."
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return f"The host {host} could not be found in DNS. Check the spelling, then try again."
    addresses = {str(info[4][0]) for info in infos}
    refused = sorted(a for a in addresses if _address_refused(a))
    if refused:
        return (
            f"{host} resolves to a private, loopback or link-local address ({refused[0]}); "
            "webhooks must go to a public address."
        )
    return None
