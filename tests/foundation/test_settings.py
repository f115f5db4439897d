"""Production configuration fails loudly and clearly, and is secure once complete."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.foundation.test_embedded_stack import REPO, _clean_env

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "p7Xq2vN9sLr4tWz8yB1cD6fG3hJ5kM0nQaSeUiOoPlZxCvBnMqWeRtYuIoP-long",
    "ALLOWED_HOSTS": "portal.example.com",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "SITE_URL": "https://portal.example.com",
    "REDIS_URL": "redis://127.0.0.1:1/0",  # never reached by `check`
}


def _manage(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=_clean_env(PORTAL_VAR_DIR=str(tmp_path / "var"), **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "REDIS_URL"]
)
def test_production_without_a_required_variable_stops_naming_it(
    missing: str, tmp_path: Path
) -> None:
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = _manage("check", tmp_path=tmp_path, **env)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert missing in lines[0]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("SESSION_COOKIE_SECURE", "ture"),
        ("API_RATE_LIMIT_PER_MINUTE", "many"),
        ("API_RATE_LIMIT_PER_MINUTE", "0"),
        ("HEALTH_PROBE_READ_TIMEOUT", "ten"),
        ("TRUSTED_PROXIES", "10.0.0.0/33"),
        ("DATABASE_URL", "not a url"),
        ("REDIS_URL", "http://localhost:6379"),
        ("FIELD_ENCRYPTION_KEYS", "too-short"),
        ("SITE_URL", "portal.example.com"),
        ("LOG_FORMAT", "xml"),
    ],
)
def test_a_malformed_variable_stops_start_up_naming_it(
    name: str, value: str, tmp_path: Path
) -> None:
    result = _manage("check", tmp_path=tmp_path, **{**PRODUCTION, name: value})
    assert result.returncode != 0
    last = [line for line in result.stderr.splitlines() if line.strip()][-1]
    assert last.startswith("portal: configuration error:"), result.stderr  # no traceback
    assert name in last


def test_check_deploy_is_clean_with_the_required_variables(tmp_path: Path) -> None:
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr
    assert "no issues" in result.stdout


def test_secret_key_may_come_from_a_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(PRODUCTION["SECRET_KEY"])
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    result = _manage("check", tmp_path=tmp_path, SECRET_KEY_FILE=str(secret_file), **env)
    assert result.returncode == 0, result.stderr


def test_json_logs_are_one_line_per_event_and_mask_tokens(tmp_path: Path) -> None:
    code = (
        "import logging; logging.getLogger('portal.test').warning("
        "'calling with Authorization: Bearer abcdef123456 and client_secret=hunter22')"
    )
    result = _manage("shell", "-c", code, tmp_path=tmp_path, LOG_FORMAT="json", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1
    assert "abcdef123456" not in lines[0]
    assert "hunter22" not in lines[0]
    assert '"level": "WARNING"' in lines[0]


def test_environment_is_not_leaking_between_tests() -> None:
    # The subprocess helpers must not change this process's environment.
    assert os.environ.get("SECRET_KEY") != PRODUCTION["SECRET_KEY"]
    assert os.environ.get("REDIS_URL") != PRODUCTION["REDIS_URL"]


def _dev_settings_file(tmp_path: Path) -> None:
    """A var/dev.env as `manage.py up` writes it (docs/operations.md)."""
    var = tmp_path / "var"
    var.mkdir(exist_ok=True)
    (var / "dev.env").write_text(
        "DEBUG='true'\n"
        "SECRET_KEY='dev-secret-from-up-0123456789'\n"
        f"FIELD_ENCRYPTION_KEYS='{Fernet.generate_key().decode()}'\n"
        "SITE_URL='http://localhost:8123'\n"
        "SANDBOX_ENABLED='true'\n"
    )


_SHOW = (
    "from django.conf import settings as s; "
    "print(s.DEBUG, s.SITE_URL, s.SECRET_KEY, s.SANDBOX_ENABLED)"
)


def test_every_command_reads_ups_development_settings_with_the_environment_winning(
    tmp_path: Path,
) -> None:
    _dev_settings_file(tmp_path)
    result = _manage("shell", "-c", _SHOW, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "True", "http://localhost:8123", "dev-secret-from-up-0123456789", "True",
    ]  # fmt: skip
    result = _manage("shell", "-c", _SHOW, tmp_path=tmp_path, SITE_URL="http://localhost:9")
    assert result.stdout.splitlines()[-1].split()[1] == "http://localhost:9", result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS"])
def test_production_ignores_the_development_settings_file_and_still_refuses(
    missing: str, tmp_path: Path
) -> None:
    _dev_settings_file(tmp_path)
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = _manage("check", tmp_path=tmp_path, **env)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert missing in lines[0]
