"""Real processes for the resilience suite: Redis, Postgres, gunicorn, Celery beat and workers.

Every service here is the suite's own: Redis and Postgres run on free ports from
throwaway folders, so stopping or restarting them never touches the shared servers.
Each process gets its own process group, so a stop or a SIGKILL takes all its children.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path

import httpx
import pytest

from tests.support.services import need

ROOT = Path(__file__).resolve().parents[2]
STOP_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5):
            return True
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, logs: str = "") -> None:
    """Poll `condition` every 0.1 s; fail naming `what` (and the logs) if it never holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{logs}")


@dataclass
class Proc:
    """One subprocess in its own process group, logging to a file."""

    name: str
    command: list[str]
    env: Mapping[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=dict(self.env), stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def _signal(self, sig: signal.Signals) -> None:
        if self.process is not None and self.alive:
            os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL the whole group, as a crash would: no cleanup, no acks."""
        self._signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=STOP_SECONDS)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it is still there after a while."""
        if not self.alive or self.process is None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class Stack:
    """The processes one test started; `stop_all` at teardown, newest first."""

    folder: Path
    procs: list[Proc] = field(default_factory=list)

    def add(self, name: str, command: list[str], env: Mapping[str, str]) -> Proc:
        proc = Proc(name, command, env, self.folder / f"{name}.log")
        self.procs.append(proc)
        return proc.start()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log_text()[-3000:]}" for p in self.procs)

    def stop_all(self) -> None:
        # At teardown nobody waits for a warm shutdown (a solo worker would finish its batch).
        for proc in reversed(self.procs):
            proc.kill()


# --- Redis ------------------------------------------------------------------------------


def redis_start(stack: Stack, port: int) -> Proc:
    """Our own Redis on `port`: nothing saved, so a restart comes back empty, like a crash."""
    binary = shutil.which("redis-server")
    need(binary is not None, "the resilience suite needs redis-server (apt-get install redis)")
    proc = stack.add(
        f"redis-{port}",
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--daemonize", "no"],
        os.environ,
    )  # fmt: skip
    wait_until(lambda: port_answers(port), timeout=10, what=f"redis on {port}", logs=stack.logs())
    return proc


# --- Postgres ---------------------------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else None


@dataclass
class PgCluster:
    """A throwaway Postgres cluster run by the `postgres` OS user (initdb refuses root)."""

    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/portal"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        return self._run(
            str(_pg_bin("pg_ctl")), "-D", str(self.data), "-l", str(self.folder / "pg.log"),
            "-o", options, "-w", "-t", "30", *args,
        )  # fmt: skip

    def log_text(self) -> str:
        path = self.folder / "pg.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def init(self) -> None:
        done = self._run(
            str(_pg_bin("initdb")), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        if done.returncode:
            pytest.fail(f"initdb failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        done = self._pg_ctl("start")
        if done.returncode:
            pytest.fail(f"pg_ctl start failed:\n{done.stderr}\n{self.log_text()}")

    def restart(self) -> None:
        """A fast restart: every open connection is cut, as a crash or failover would."""
        done = self._pg_ctl("restart", "-m", "fast")
        if done.returncode:
            pytest.fail(f"pg_ctl restart failed:\n{done.stderr}\n{self.log_text()}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "immediate")


def pg_cluster_create() -> PgCluster:
    """Initialise and start a cluster in a folder the postgres user owns; needs root."""
    need(_pg_bin("initdb") is not None, "this scenario needs Debian's postgresql binaries")
    need(
        shutil.which("runuser") is not None and os.geteuid() == 0,
        "this scenario runs initdb as the postgres OS user, which needs root and runuser",
    )
    # Not under pytest's tmp_path: that folder is private to root, and postgres must enter it.
    folder = Path(tempfile.mkdtemp(prefix="resil-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    cluster = PgCluster(folder, free_port())
    cluster.init()
    cluster.start()
    return cluster


# --- the portal's processes -------------------------------------------------------------


def gunicorn_start(stack: Stack, env: Mapping[str, str], port: int, *, threads: int = 16) -> Proc:
    """The web: gunicorn with 2 processes of `threads` threads, serving the portal and
    the sandbox."""
    proc = stack.add(
        "gunicorn",
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "2", "-k", "gthread", "--threads", str(threads), "--timeout", "60",
         "--graceful-timeout", "2"],
        env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, timeout=30, what="gunicorn to answer /healthz", logs=stack.logs())
    return proc


def beat_start(stack: Stack, env: Mapping[str, str]) -> Proc:
    schedule = stack.folder / "celerybeat-schedule"
    return stack.add(
        "beat",
        [sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "INFO", "-s", str(schedule)],
        env,
    )


def worker_start(stack: Stack, env: Mapping[str, str], name: str) -> Proc:
    """A solo-pool worker: the task runs in the worker's process, so a SIGKILL kills it."""
    proc = stack.add(
        name,
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo",
         "-Q", "celery,priority", "-n", f"{name}@resil", "-l", "INFO",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        env,
    )  # fmt: skip
    wait_until(
        lambda: f"{name}@resil ready." in proc.log_text() or not proc.alive,
        timeout=30, what=f"worker {name} to be ready", logs=stack.logs(),
    )  # fmt: skip
    if not proc.alive:
        pytest.fail(f"worker {name} died at start:\n{proc.log_text()[-3000:]}")
    return proc


def portal_env(
    *, database_url: str, redis_url: str, site_url: str, extra: Mapping[str, str]
) -> dict[str, str]:
    """The test's environment (secrets from pytest-env), pointed at this stack's services."""
    env = dict(os.environ)
    for key in list(env):
        if key.startswith(("PYTEST_", "DJANGO_ALLOW")):
            env.pop(key)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="true",  # the sandbox the workers probe exists only in development
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        SITE_URL=site_url,
        SANDBOX_BASE_URL=f"{site_url}/sandbox/intercom",
        SANDBOX_ENABLED="true",
        ALLOWED_HOSTS="localhost,127.0.0.1,testserver",
        PYTHONUNBUFFERED="1",
    )
    env.pop("CI", None)  # the services are not tests; CI only changes how tests skip
    env.update(extra)
    return env


# Engine timings for the suite: beat ticks every 2 s, one-second floors, short leases.
DISPATCH_SECONDS = 2.0
FAST = {
    "HEALTH_DISPATCH_SECONDS": "2",
    "HEARTBEAT_INTERVAL": "1",
    "HEALTH_LEASE_SECONDS": "6",
    "HEALTH_MIN_INTERVAL_SECONDS": "1",
    "HEALTH_BASE_BACKOFF_SECONDS": "1",
    "HEALTH_CONFIRM_DELAY_SECONDS": "1",
    "HEALTH_PROBE_CONNECT_TIMEOUT": "1",
    "HEALTH_PROBE_READ_TIMEOUT": "2",
    "HEALTH_PROBE_TOTAL_TIMEOUT": "3",
    "METRICS_TOKEN": "resilience-metrics-token",
}
