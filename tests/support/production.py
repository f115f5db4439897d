"""The environment of a production start, for tests that run the portal in a subprocess."""

from __future__ import annotations

import os
from pathlib import Path


def production_env(var_dir: Path, *, host: str) -> dict[str, str]:
    """This process's environment minus its test settings, plus the README's production
    settings for `host`. REDIS_URL points where nothing listens: production needs one,
    the cache is then empty (as in an outage), and no other test's keys are touched."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SESSION_", "SECURE_", "SANDBOX", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="false",
        SECRET_KEY="prod-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-production",
        ALLOWED_HOSTS=host,
        FIELD_ENCRYPTION_KEYS="dGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY=",
        SITE_URL=f"https://{host}",
        PORTAL_VAR_DIR=str(var_dir),
        STATIC_MANIFEST="false",
        EMAIL_URL="memorymail://",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    return env
