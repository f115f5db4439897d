"""JSON from outside the portal (request bodies, notices), parsed without surprises.

The standard library's parser raises RecursionError, not ValueError, on deeply nested
input (a few thousand `[`), which would escape a view as a 500. Here it is a
ValueError like any other malformed body, so callers answer it with a 400.
"""

from __future__ import annotations

import json
from typing import Any


def json_loads(data: bytes | str) -> Any:
    """`json.loads`, raising only ValueError (UnicodeDecodeError is one) for bad input."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("The JSON is nested too deeply.") from None
