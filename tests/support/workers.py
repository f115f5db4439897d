"""Real Celery workers for tests: `celery -A portal worker` subprocesses on Redis + Postgres.

A worker runs with the solo pool, so the task runs in the worker's own process and a
SIGKILL really kills a batch mid-flight (a prefork child would outlive its parent and
finish the batch). Workers talk to the pytest test database, the test's Redis and the
live server's sandbox; engine timings come from `HEALTH_*` environment variables.

Use the `workers` fixture (it needs Postgres, Redis, `transactional_db` and the live
server), or `WorkerPool` directly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from tests.support.services import need_postgres, need_redis

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 30.0
STOP_SECONDS = 10.0


def database_url_for_workers() -> str:
    """A postgres:// URL for the database this pytest run is using (test_<name>)."""
    s = connection.settings_dict
    user = quote(str(s.get("USER") or "postgres"), safe="")
    password = quote(str(s.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else f"{user}@"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{s['NAME']}"


@dataclass
class Worker:
    """One worker subprocess and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float = READY_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if f"{self.name} ready." in self.log_text():
                return
            if not self.alive:
                break
            time.sleep(0.1)
        tail = self.log_text()[-3000:]
        self.kill()
        pytest.fail(f"celery worker {self.name} did not become ready:\n{tail}")

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no cleanup, no acks."""
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_SECONDS)

    def stop(self) -> None:
        """SIGTERM (warm shutdown), then SIGKILL if it takes too long."""
        if not self.alive:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class WorkerPool:
    """Starts workers with one shared environment; stops them all at the end."""

    env: dict[str, str]
    folder: Path
    started: list[Worker] = field(default_factory=list)

    def start(self, *, queues: str = "celery,priority", wait: bool = True, **env: Any) -> Worker:
        """Start a worker (extra `env` entries, e.g. HEALTH_LEASE_SECONDS=4, win)."""
        name = f"w{len(self.started) + 1}-{os.getpid()}@test"
        log = self.folder / f"{name.split('@')[0]}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo",
            "-Q", queues, "-n", name, "-l", "INFO",
            "--without-heartbeat", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        full_env = {**self.env, **{k: str(v) for k, v in env.items()}}
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() takes all of it
            )  # fmt: skip
        worker = Worker(name=name, process=process, log=log)
        self.started.append(worker)
        if wait:
            worker.wait_ready()
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {w.name}\n{w.log_text()[-4000:]}" for w in self.started)


def worker_env(*, live_server_url: str, redis_url: str, extra: Mapping[str, str]) -> dict[str, str]:
    """The test process's environment (secrets from pytest-env) pointed at this test run."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="true",  # the sandbox the workers probe exists only in development
        DATABASE_URL=database_url_for_workers(),
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        SITE_URL=live_server_url,
        SANDBOX_BASE_URL=f"{live_server_url}/sandbox/intercom",
        SANDBOX_ENABLED="true",
        ALLOWED_HOSTS="localhost,127.0.0.1,testserver",
        PYTHONUNBUFFERED="1",
    )
    env.pop("CI", None)  # the worker is not a test; CI only changes how tests skip
    env.update(extra)
    return env


# Test timings for workers: short leases, one-second floors, quick probe timeouts.
FAST_ENGINE = {
    "HEALTH_LEASE_SECONDS": "6",
    "HEALTH_MIN_INTERVAL_SECONDS": "1",
    "HEALTH_BASE_BACKOFF_SECONDS": "1",
    "HEALTH_CONFIRM_DELAY_SECONDS": "1",
    "HEALTH_PROBE_READ_TIMEOUT": "5",
    "HEALTH_PROBE_TOTAL_TIMEOUT": "6",
}


def broker_purge() -> None:
    """Drop tasks left in the test broker by an earlier run, so workers start clean."""
    from portal.celery import app

    app.control.purge()


@pytest.fixture
def workers(
    transactional_db: None, live_server: Any, tmp_path: Path, settings: Any
) -> Iterator[WorkerPool]:
    """A pool of real workers; the test process uses the same broker and engine timings."""
    need_postgres()
    redis_url = need_redis()
    settings.CELERY_BROKER_URL = redis_url
    for key, value in FAST_ENGINE.items():
        setattr(settings, key, float(value))
    broker_purge()
    pool = WorkerPool(
        env=worker_env(live_server_url=live_server.url, redis_url=redis_url, extra=FAST_ENGINE),
        folder=tmp_path,
    )
    try:
        yield pool
    finally:
        pool.stop_all()
        broker_purge()


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str, pool: WorkerPool) -> None:
    """Poll `condition` until it holds; fail with the workers' logs if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{pool.logs()}")


__all__ = [
    "FAST_ENGINE",
    "Worker",
    "WorkerPool",
    "broker_purge",
    "database_url_for_workers",
    "wait_for",
    "worker_env",
    "workers",
]
