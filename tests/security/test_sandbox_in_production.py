"""Finding 7 (issue 17): with production settings the sandbox's control API answered
without authentication, because `manage.py up` turned the sandbox on even with
DEBUG=false. Production now refuses SANDBOX_ENABLED, `up` leaves it off under
DEBUG=false, and the sandbox app is not even installed there."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.foundation.test_embedded_stack import REPO, _clean_env
from tests.foundation.test_settings import PRODUCTION, _manage

SANDBOX_APP = "connectors.providers.intercom.sandbox"

# Runs `manage.py up` as the command line would, but stops where settings are loaded and
# prints what the sandbox looks like; then asks the sandbox's control API for its data.
UP_THEN_REPORT = """
import json, sys
import django
import django.core.management
import manage

def report(argv):
    django.setup()
    from django.conf import settings
    from django.test import Client
    answer = Client().get("/sandbox/intercom/_control/workspaces", secure=True,
                          HTTP_HOST="portal.example.com")
    print(json.dumps({"enabled": settings.SANDBOX_ENABLED,
                      "installed": SANDBOX_APP in settings.INSTALLED_APPS,
                      "control": answer.status_code}))

django.core.management.execute_from_command_line = report
sys.argv = ["manage.py", "up"]
manage.main()
""".replace("SANDBOX_APP", repr(SANDBOX_APP))


def test_production_refuses_the_sandbox(tmp_path: Path) -> None:
    result = _manage("check", tmp_path=tmp_path, **PRODUCTION, SANDBOX_ENABLED="true")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("portal: configuration error:")
    assert "SANDBOX_ENABLED" in last
    assert "DEBUG" in last


def test_up_under_debug_false_leaves_the_sandbox_out(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", UP_THEN_REPORT],
        # No collectstatic here: the branded 404 page finds its CSS without a manifest.
        cwd=REPO, env=_clean_env(PORTAL_VAR_DIR=str(tmp_path / "var"), STATIC_MANIFEST="false",
                                 **PRODUCTION),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"enabled": False, "installed": False, "control": 404}
