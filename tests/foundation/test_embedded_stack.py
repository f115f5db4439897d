"""`manage.py up` brings the whole portal up with no servers installed, and stops cleanly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "var", "staticfiles", "__pycache__", ".*cache"
)

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_"))
        and key
        not in {
            "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY",
            "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "SITE_URL", "PORTAL_VAR_DIR",
            "SANDBOX_ENABLED", "EMAIL_URL", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
            "STATIC_MANIFEST", "SANDBOX_BASE_URL",
        }
    }  # fmt: skip
    env["HEARTBEAT_INTERVAL"] = "2"
    env.update(extra)
    return env


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    target = tmp_path / "portal"
    shutil.copytree(REPO, target, ignore=COPY_IGNORE)
    return target


@pytest.fixture
def running_up(checkout: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    port = _free_port()
    log = checkout / "up.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "up", "--port", str(port)],
            cwd=checkout,
            env=_clean_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc, port, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_up_serves_the_portal_with_worker_and_beat_then_stops_cleanly(
    running_up: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    proc, port, log = running_up
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    ready: dict[str, str | None] = {}
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        status, body = _get(f"{base}/readyz")
        if status == 200:
            ready = json.loads(body)
            if ready.get("last_worker_heartbeat"):
                break
        time.sleep(0.5)
    assert ready.get("database") == "ok", log.read_text()
    assert ready.get("broker") == "ok", log.read_text()
    assert ready.get("last_worker_heartbeat"), f"no heartbeat within 90 s:\n{log.read_text()}"
    assert ready.get("last_beat_tick")

    status, body = _get(f"{base}/accounts/login/")
    assert status == 200
    assert b"Sign in" in body or b"sign in" in body.lower()
    # The heartbeat travelled through the filesystem broker in the copy's own var/ folder.
    assert (log.parent / "var" / "portal.sqlite3").exists()
    assert (log.parent / "var" / "broker" / "queue").is_dir()

    children = psutil.Process(proc.pid).children(recursive=True)
    assert len(children) >= 3  # web, worker and beat, plus their own children
    os.kill(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=30) == 0, log.read_text()
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"left behind: {[p.pid for p in alive]}"
    assert "Stopped web, worker and beat." in log.read_text()


def test_up_says_in_one_line_when_the_port_is_taken(checkout: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "up", "--port", str(port)],
            cwd=checkout,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"Port {port}" in lines[0]
    assert "already in use" in lines[0]


def test_up_writes_its_port_into_the_development_settings_over_a_previous_runs(
    tmp_path: Path,
) -> None:
    var = tmp_path / "var"
    var.mkdir()
    # A previous run on the default port left this behind (docs/operations.md).
    (var / "dev.env").write_text("DEBUG='true'\nSITE_URL='http://localhost:8000'\n")
    port = _free_port()
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "up", "--port", str(port)],
            cwd=REPO,
            env=_clean_env(PORTAL_VAR_DIR=str(var)),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while "The portal is running at" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.3)
        assert f"running at http://localhost:{port}/" in log.read_text(), log.read_text()
        written = (var / "dev.env").read_text()
        assert f"SITE_URL='http://localhost:{port}'" in written
        assert "DEBUG='true'" in written
        assert "SECRET_KEY='" in written
        assert "FIELD_ENCRYPTION_KEYS='" in written
        assert "SANDBOX_ENABLED='true'" in written
        assert (var / "dev.env").stat().st_mode & 0o077 == 0  # its owner's only
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=40) == 0, log.read_text()
