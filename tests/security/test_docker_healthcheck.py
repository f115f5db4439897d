"""The Dockerfile's HEALTHCHECK passes against a production-like start: gunicorn with the
README's production settings (DEBUG=false, so the https redirect is on, and a real
ALLOWED_HOSTS), on the plain HTTP port the check talks to.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.production import production_env

ROOT = Path(__file__).resolve().parents[2]


def healthcheck_command() -> list[str]:
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text().replace("\\\n", " ")
    found = re.search(r"^HEALTHCHECK .*?\bCMD (\[.*\])\s*$", dockerfile, re.MULTILINE)
    assert found is not None, "no exec-form HEALTHCHECK CMD in docker/Dockerfile"
    command: list[str] = json.loads(found.group(1))
    return command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    port = _free_port()
    env = production_env(tmp_path, host="portal.example.com")
    # The image's PATH: its own Python first.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--forwarded-allow-ips", "*"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        yield port, env
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def test_the_dockerfile_healthcheck_passes_with_production_settings(
    gunicorn: tuple[int, dict[str, str]],
) -> None:
    port, env = gunicorn
    done = subprocess.run(
        healthcheck_command(), cwd=ROOT, env={**env, "HEALTHCHECK_PORT": str(port)},
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def test_everything_else_still_redirects_to_https(gunicorn: tuple[int, dict[str, str]]) -> None:
    port, _ = gunicorn
    headers = {"Host": "portal.example.com"}
    for path in ("/", "/accounts/login/", "/readyz", "/healthz/x"):
        answer = httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers, timeout=10)
        assert answer.status_code == 301, path
        assert answer.headers["location"].startswith("https://portal.example.com/")
