"""Logging: one line per event, JSON on request, with secrets masked on the way out."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from gunicorn.glogging import Logger as GunicornLogger

# The portal's one redaction rule, for log lines and for what is stored about a failed
# call alike: a last line of defence, since code should never log a secret to begin with.
_PATTERNS = [
    # Whatever follows an Authorization header or a Bearer scheme, whatever the scheme.
    (
        re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+(?:\s+[^\s\"',}]+)?"),
        r"\1[redacted]",
    ),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{6,}"), r"\1[redacted]"),
    # The portal's own credentials (API keys, webhook secrets, sandbox tokens) and Fernet
    # ciphertext, by their prefixes.
    (re.compile(r"\b(?:cpk|whsec|sbx|sbxr)_[A-Za-z0-9_-]{6,}"), "[redacted]"),
    (re.compile(r"gAAAAA[A-Za-z0-9_=-]{20,}"), "[redacted]"),
    (
        re.compile(
            r"(?i)((?:client_secret|access_token|refresh_token|token|secret|password|api_key)"
            r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]{4,}"
        ),
        r"\1[redacted]",
    ),
    # Long runs of token-alphabet characters mixing digits and both cases look like
    # credentials (invitation tokens in URLs, a provider's token echoed in an error);
    # paths, and names in a traceback, do not (a "/" ends a run, so URL paths survive).
    (
        re.compile(
            r"(?<![A-Za-z0-9+_=-])"
            r"(?=[A-Za-z0-9+_=-]*[0-9])(?=[A-Za-z0-9+_=-]*[A-Z])(?=[A-Za-z0-9+_=-]*[a-z])"
            r"[A-Za-z0-9+_=-]{32,}"
        ),
        "[redacted]",
    ),
]


def redact(text: str, *, limit: int | None = None, secrets: tuple[str, ...] = ()) -> str:
    """`text` with every credential masked; with `limit`, also on one line and at most
    `limit` characters (for details that are stored and shown)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    if limit is not None:
        text = " ".join(text.split())
        if len(text) > limit:
            text = text[: limit - 1] + "…"
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class TextFormatter(logging.Formatter):
    """The text format, with exception text (where errors quote secrets) masked too."""

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))


class ExpectedForbiddenFilter(logging.Filter):
    """An expected 403 (a view raised PermissionDenied: a viewer pressing an owner's
    button) is one warning line; its traceback says nothing an operator can act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        expected = record.exc_info and isinstance(record.exc_info[1], PermissionDenied)
        if expected and getattr(record, "status_code", None) == 403:
            record.exc_info, record.exc_text = None, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            payload["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, default=str)


class RedactingAccessLogger(GunicornLogger):
    """gunicorn's access log with the same redaction: invitation links carry their token
    in the path, and a query string may carry anything. Passed to gunicorn as
    `--logger-class portal.logs.RedactingAccessLogger`."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            name: redact(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }
