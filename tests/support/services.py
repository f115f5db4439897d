"""What a test needs from outside the process: Postgres, a Redis server, a browser.

On a laptop a missing service skips the test with a reason; with CI=true it fails,
so CI can never go green by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlsplit

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def _answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def need_postgres() -> None:
    need(connection.vendor == "postgresql", "this test needs Postgres: set DATABASE_URL")


def need_redis() -> str:
    url = os.environ.get("REDIS_URL", "")
    need(bool(url), "this test needs a Redis server: set REDIS_URL")
    need(_answers(url, 6379), f"REDIS_URL={url} does not answer")
    return url


def need_chromium() -> str:
    path = shutil.which(CHROMIUM) or CHROMIUM
    need(os.path.exists(path), f"this test needs Chromium at {CHROMIUM} (apt-get install chromium)")
    return path
