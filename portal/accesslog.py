"""gunicorn's access log with the redaction every other log line gets: invitation links
carry their token in the path, and a query string may carry anything.

Used as `gunicorn --logger-class portal.accesslog.RedactingAccessLogger`.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from portal.logs import redact


class RedactingAccessLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            name: redact(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }
