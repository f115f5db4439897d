"""Pooled keep-alive clients: one sync client per purpose, async ones per batch."""

from __future__ import annotations

import asyncio
import functools
import os
import threading
import tomllib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx
from django.conf import settings

if TYPE_CHECKING:
    from connectors.http.lean import LeanPool

_default_headers: dict[str, dict[str, str]] = {}
_clients: dict[str, httpx.Client] = {}
_clients_lock = threading.Lock()
POOL_LIMITS = httpx.Limits(max_connections=50, max_keepalive_connections=20, keepalive_expiry=30)


def set_default_headers(purpose: str, headers: Mapping[str, str]) -> None:
    """Headers every request of `purpose` carries (e.g. a provider's API version)."""
    _default_headers[purpose] = dict(headers)


def default_headers(purpose: str) -> dict[str, str]:
    return dict(_default_headers.get(purpose, {}))


@functools.cache
def portal_version() -> str:
    try:
        with (settings.BASE_DIR / "pyproject.toml").open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "dev"


def user_agent() -> str:
    return f"ConnectorPortal/{portal_version()} (+{settings.SITE_URL})"


def _client_options() -> dict[str, Any]:
    # No redirects: a token must never follow a redirect to another host.
    return {"follow_redirects": False, "headers": {"User-Agent": user_agent()}}


def get_client(purpose: str = "default") -> httpx.Client:
    """The pooled keep-alive client for `purpose`, shared by all threads."""
    with _clients_lock:
        client = _clients.get(purpose)
        if client is None or client.is_closed:
            client = httpx.Client(limits=POOL_LIMITS, **_client_options())
            _clients[purpose] = client
        return client


def close_clients() -> None:
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


def _forget_clients_after_fork() -> None:
    # A forked worker must not share its parent's sockets; it opens its own.
    _clients.clear()
    global _clients_lock
    _clients_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_clients_after_fork)


class AsyncHttp:
    """An async pooled client with a cap on concurrent requests per host."""

    def __init__(self, *, max_connections: int, per_host: int, purpose: str) -> None:
        if max_connections < 1 or per_host < 1:
            raise ValueError("max_connections and per_host must be at least 1")
        self.purpose = purpose
        self.per_host = per_host
        self.max_connections = max_connections
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        # Both made on first use: an httpx client builds a TLS context (tens of ms of
        # CPU), which a batch whose probes all take the lean path never needs.
        self._client: httpx.AsyncClient | None = None
        self._lean: LeanPool | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                limits=httpx.Limits(
                    max_connections=self.max_connections,
                    max_keepalive_connections=min(self.max_connections, self.per_host * 4),
                ),
                **_client_options(),
            )
        return self._client

    @property
    def lean(self) -> LeanPool:
        """The lean keep-alive pool (see `connectors.http.lean`), made on first use."""
        if self._lean is None:
            from connectors.http.lean import LeanPool  # lean imports this module

            self._lean = LeanPool(max_connections=self.max_connections)
        return self._lean

    def slots_for(self, host: str) -> asyncio.Semaphore:
        if host not in self._host_slots:
            self._host_slots[host] = asyncio.Semaphore(self.per_host)
        return self._host_slots[host]

    async def aclose(self) -> None:
        if self._lean is not None:
            await self._lean.aclose()
        if self._client is not None:
            await self._client.aclose()

    async def __aenter__(self) -> AsyncHttp:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def make_async_client(
    *, max_connections: int = 20, per_host: int = 5, purpose: str = "default"
) -> AsyncHttp:
    """A client for one batch of concurrent requests; use it as `async with`."""
    return AsyncHttp(max_connections=max_connections, per_host=per_host, purpose=purpose)
