"""Logging: one line per event, JSON on request, with secrets masked on the way out."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

from django.core.exceptions import PermissionDenied

# Bearer tokens, Fernet blobs and key=value secrets are masked in every log line, as a
# last line of defence: code should never log them in the first place.
_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{6,}"), r"\1[redacted]"),
    (re.compile(r"gAAAAA[A-Za-z0-9_=-]{20,}"), "[redacted]"),
    (
        re.compile(
            r"(?i)((?:client_secret|access_token|refresh_token|token|secret|password|api_key)"
            r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]{4,}"
        ),
        r"\1[redacted]",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


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
