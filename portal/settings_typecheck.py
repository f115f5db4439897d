"""Settings for mypy's Django plugin only: development defaults, then the real module."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("PORTAL_VAR_DIR", os.path.join(tempfile.gettempdir(), "portal-typecheck"))

from portal.settings import *  # noqa: F403
