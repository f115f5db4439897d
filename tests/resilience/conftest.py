"""Fixtures: the portal as real processes on the pytest database and the suite's own Redis.

`portal(...)` starts our own Redis and gunicorn (web + sandbox); the test starts beat and
workers when its data is ready, and may stop or restart any of them. Everything stops
at teardown. Postgres here is pytest's test database; the restart scenario brings its
own cluster (see test_postgres_restarted_mid_sweep.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.test import Client

from portal.models import User
from tests.resilience.stack import (
    FAST,
    Proc,
    Stack,
    beat_start,
    free_port,
    gunicorn_start,
    portal_env,
    redis_start,
    worker_start,
)
from tests.sandbox.conftest import Sandbox
from tests.support.services import need_postgres
from tests.support.workers import database_url_for_workers

CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


@dataclass
class Portal:
    """The running stack of one test, with the levers the scenarios pull."""

    stack: Stack
    url: str
    env: dict[str, str]
    redis_port: int
    redis: Proc
    sandbox: Sandbox
    beat: Proc | None = None
    workers: list[Proc] = field(default_factory=list)

    def redis_stop(self) -> None:
        self.redis.kill()  # as a crash would: nothing flushed, clients cut

    def redis_start(self) -> None:
        self.redis = redis_start(self.stack, self.redis_port)

    def beat_start(self) -> Proc:
        self.beat = beat_start(self.stack, self.env)
        return self.beat

    def worker_start(self, **env: str) -> Proc:
        name = f"w{len(self.workers) + 1}"
        worker = worker_start(self.stack, {**self.env, **env}, name)
        self.workers.append(worker)
        return worker

    def signed_in(self, user: User) -> httpx.Client:
        """An HTTP client with a real session of `user` (sessions live in the database)."""
        django_client = Client()
        django_client.force_login(user)
        session = django_client.cookies["sessionid"].value
        http = httpx.Client(base_url=self.url, timeout=15, cookies={"sessionid": session})
        return http

    def csrf_post(
        self, http: httpx.Client, page: str, target: str, headers: Mapping[str, str]
    ) -> httpx.Response:
        """POST to `target` the way the page's htmx would, with the page's CSRF token."""
        answer = http.get(page)
        assert answer.status_code == 200, answer.text[:500]
        token = CSRF.search(answer.text)
        assert token is not None, "the page carries no CSRF token for htmx"
        sent = {"X-CSRFToken": token.group(1), "Referer": f"{self.url}{page}", **headers}
        return http.post(target, headers=sent)

    def logs(self) -> str:
        return self.stack.logs()


@pytest.fixture
def portal(transactional_db: None, tmp_path: Path) -> Iterator[Callable[..., Portal]]:
    """Start Redis and gunicorn with FAST timings plus `extra`; stop everything after."""
    need_postgres()
    stack = Stack(tmp_path)
    clients: list[httpx.Client] = []

    def start(**extra: Any) -> Portal:
        redis_port, web_port = free_port(), free_port()
        redis = redis_start(stack, redis_port)
        url = f"http://127.0.0.1:{web_port}"
        env = portal_env(
            database_url=database_url_for_workers(),
            redis_url=f"redis://127.0.0.1:{redis_port}/0",
            site_url=url,
            extra={**FAST, **{k: str(v) for k, v in extra.items()}},
        )
        gunicorn_start(stack, env, web_port)
        http = httpx.Client(timeout=15)
        clients.append(http)
        sandbox = Sandbox(base=f"{url}/sandbox/intercom", http=http)
        return Portal(stack, url, env, redis_port, redis, sandbox)

    try:
        yield start
    finally:
        stack.stop_all()
        for http in clients:
            http.close()
