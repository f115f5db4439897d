"""The image's HEALTHCHECK: GET /healthz on the plain HTTP port, as the container sees it.

The TLS proxy sits outside the container, so the check talks plain HTTP to gunicorn:
settings exempt /healthz from the https redirect, and the check sends a Host the portal
answers to (the first of ALLOWED_HOSTS), as the proxy would. Standard library only.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    port = os.environ.get("HEALTHCHECK_PORT", "8000")  # the image binds gunicorn to 8000
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=4) as answer:  # noqa: S310 (fixed URL)
            ok = answer.status == 200
    except (OSError, urllib.error.URLError) as error:
        print(f"healthcheck: {error}", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
