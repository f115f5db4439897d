"""Intercom's API versions: those it publishes, and the one the portal sends.

The published list is the `intercom_version` enum of Intercom's OpenAPI description,
vendored in `sandbox/openapi/` (see its README for the source and commit).

The setting: `INTERCOM_API_VERSION`, a Django setting if one is defined (tests override
it), else the environment variable of that name, else `DEFAULT_API_VERSION`. It is read
here rather than in portal/settings.py, which names no provider.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from django.conf import settings

# The newest numbered version in Intercom's OpenAPI repository (its own default there).
DEFAULT_API_VERSION = "2.16"
SETTING = "INTERCOM_API_VERSION"
_SUBSET = Path(__file__).parent / "sandbox" / "openapi" / "intercom-openapi-subset.json"


@cache
def published_versions() -> tuple[str, ...]:
    """Every `Intercom-Version` Intercom publishes, oldest first, then "Preview"."""
    schema = json.loads(_SUBSET.read_text(encoding="utf-8"))
    return tuple(schema["components"]["schemas"]["intercom_version"]["enum"])


def api_version() -> str:
    """The `Intercom-Version` the portal sends on every call to Intercom."""
    configured = getattr(settings, SETTING, None) or os.environ.get(SETTING, "")
    return str(configured).strip() or DEFAULT_API_VERSION
