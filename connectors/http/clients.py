"""Pooled keep-alive aiohttp sessions: one per async batch, and one per purpose for sync calls.

Sync callers (views, Celery tasks) share one event loop that runs in a daemon thread of
the process; their calls are coroutines handed to it, so sync and async calls take the
same path through one library, and sync keep-alive sockets are pooled across threads.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import os
import threading
import tomllib
import urllib.request
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import aiohttp.abc
from django.conf import settings

T = TypeVar("T")
SYNC_MAX_CONNECTIONS = 50  # per purpose, over all hosts and threads


@functools.cache
def portal_version() -> str:
    try:
        with (settings.BASE_DIR / "pyproject.toml").open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "dev"


def user_agent() -> str:
    return f"ConnectorPortal/{portal_version()} (+{settings.SITE_URL})"


@functools.cache
def proxy_for(scheme: str, host: str) -> str | None:
    """The proxy the environment names for `scheme` (`HTTPS_PROXY`...), unless `NO_PROXY`
    exempts `host`. Read once per process, not per request as aiohttp's `trust_env` does
    (in a thread, with a netrc look-up: most of a probe's CPU)."""
    proxy = urllib.request.getproxies().get(scheme)
    if proxy is None or urllib.request.proxy_bypass(host):
        return None
    return proxy


_open_clients: weakref.WeakSet[AsyncHttp] = weakref.WeakSet()


class AsyncHttp:
    """An async pooled client with a cap on concurrent requests per host."""

    def __init__(
        self,
        *,
        max_connections: int,
        per_host: int,
        purpose: str,
        resolver: aiohttp.abc.AbstractResolver | None = None,
    ) -> None:
        if max_connections < 1 or per_host < 1:
            raise ValueError("max_connections and per_host must be at least 1")
        self.purpose = purpose
        self.resolver = resolver
        self.per_host = per_host
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session, made on first use: inside the event loop that uses it."""
        if self._session is None:
            self._loop = asyncio.get_running_loop()
            _open_clients.add(self)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self.max_connections, limit_per_host=self.per_host, resolver=self.resolver
                ),
                headers={"User-Agent": user_agent()},
                cookie_jar=aiohttp.DummyCookieJar(),  # no call carries another's cookies
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    def close_at_exit(self) -> None:
        """Close the session from outside its loop (a client kept for a process's life)."""
        loop = self._loop
        if self._session is None or self._session.closed or loop is None or loop.is_closed():
            return
        if loop.is_running():  # in another thread: the sync loop
            asyncio.run_coroutine_threadsafe(self.aclose(), loop).result(timeout=5)
        else:
            loop.run_until_complete(self.aclose())

    async def __aenter__(self) -> AsyncHttp:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def make_async_client(
    *, max_connections: int = 20, per_host: int = 5, purpose: str = "default"
) -> AsyncHttp:
    """A client for one batch of concurrent requests; use it as `async with`."""
    return AsyncHttp(max_connections=max_connections, per_host=per_host, purpose=purpose)


class _SyncLoop:
    """The event loop, in a daemon thread, that carries this process's sync calls."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.clients: dict[str, AsyncHttp] = {}
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="connectors-http", daemon=True
        )
        self.thread.start()

    def client(self, purpose: str) -> AsyncHttp:
        # Only ever called on the loop's own thread, so no lock is needed.
        if purpose not in self.clients:
            self.clients[purpose] = AsyncHttp(
                max_connections=SYNC_MAX_CONNECTIONS,
                per_host=SYNC_MAX_CONNECTIONS,
                purpose=purpose,
            )
        return self.clients[purpose]

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


_sync: _SyncLoop | None = None
_sync_lock = threading.Lock()


def run_sync(purpose: str, make: Callable[[AsyncHttp], Awaitable[T]]) -> T:
    """Run `make(client)`, a coroutine on `purpose`'s pooled client, from sync code."""
    global _sync
    with _sync_lock:
        if _sync is None:
            _sync = _SyncLoop()
        sync = _sync

    async def call() -> T:
        return await make(sync.client(purpose))

    return asyncio.run_coroutine_threadsafe(call(), sync.loop).result()


@atexit.register
def _close_at_exit() -> None:
    # Clients kept for a process's life (the sync loop's, each engine thread's) close
    # their sockets cleanly at exit, rather than being warned about as garbage.
    for client in list(_open_clients):
        client.close_at_exit()
    if _sync is not None and _sync.thread.is_alive():
        _sync.stop()


def _forget_sync_loop_after_fork() -> None:
    # A forked worker has none of its parent's threads, and must not share its sockets.
    global _sync, _sync_lock
    _sync = None
    _sync_lock = threading.Lock()
    _open_clients.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_sync_loop_after_fork)
