"""A call prepared from the caller's values, and its outcome turned into an `HttpResult`.

Plain values only: which library carries the call is `connectors.http.send`'s business.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from portal.jsontext import json_loads
from portal.logs import redact
from portal.secrets import Secret

logger = logging.getLogger("connectors.http")

ErrorKind = Literal["timeout", "connect", "too_large", "invalid_json", "protocol", "invalid_url"]
MAX_BODY_BYTES = 1024 * 1024
EXCERPT_CHARS = 300
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONNECT_RETRIES = 1  # one more try, only when the request never reached the server
RETRY_PAUSE_SECONDS = 0.2


@dataclass(frozen=True)
class Timeout:
    """Seconds allowed to connect, to wait for each read, and for the whole call."""

    connect: float = 5.0
    read: float = 10.0
    total: float = 20.0

    def __post_init__(self) -> None:
        for name in ("connect", "read", "total"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"Timeout.{name} must be a positive number of seconds")


DEFAULT_TIMEOUT = Timeout()


@dataclass(frozen=True)
class HttpResult:
    """An answer, or the reason there is none (`error_kind`), in plain values."""

    status: int | None
    headers: Mapping[str, str]
    json: Any
    text_excerpt: str
    elapsed_ms: int
    error_kind: ErrorKind | None = None
    error_detail: str = ""
    attempts: int = 1
    url: str = field(default="", repr=False)  # redacted: no query values, no user info

    @property
    def ok(self) -> bool:
        return self.error_kind is None and self.status is not None and 200 <= self.status < 300

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


Values = Mapping[str, str | Secret]


@dataclass
class Call:
    """One request prepared: plain values, and the secrets to scrub from what comes back."""

    method: str
    url: str
    safe_url: str
    headers: dict[str, str]
    data: dict[str, str] | None
    json: Any
    timeout: Timeout
    retries: int
    purpose: str
    max_body_bytes: int
    secrets: list[str]
    content: bytes | None = None  # a raw body sent as is (e.g. a signed webhook payload)

    def __repr__(self) -> str:
        # Headers, bodies and secrets stay out, even from a traceback's locals.
        return f"Call({self.method} {self.safe_url} [{self.purpose}])"


def prepare_call(
    method: str,
    url: str,
    *,
    headers: Values | None,
    bearer: Secret | None,
    data: Values | None,
    json: Any,
    timeout: Timeout,
    retry_safe: bool | None,
    purpose: str,
    max_body_bytes: int,
    content: bytes | None = None,
) -> Call:
    if not isinstance(timeout, Timeout):
        raise TypeError("timeout must be a connectors.http.Timeout; no call goes without one")
    method = method.upper()
    secrets: list[str] = []

    def plain(values: Values | None) -> dict[str, str]:
        out = {}
        for key, value in (values or {}).items():
            if isinstance(value, Secret):
                value = value.reveal()
                secrets.append(value)
            out[key] = value
        return out

    merged = plain(headers)
    if bearer is not None:
        secrets.append(bearer.reveal())
        merged["Authorization"] = f"Bearer {bearer.reveal()}"
    if retry_safe is None:
        retry_safe = method in IDEMPOTENT_METHODS
    return Call(
        method=method,
        url=url,
        safe_url=safe_url(url),
        headers=merged,
        data=plain(data) if data is not None else None,
        json=json,
        timeout=timeout,
        retries=CONNECT_RETRIES if retry_safe else 0,
        purpose=purpose,
        max_body_bytes=max_body_bytes,
        secrets=[s for s in secrets if s],
        content=content,
    )


def safe_url(url: str) -> str:
    """`url` fit for a log: no user info, and every query value replaced."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "[unparseable url]"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    query = "&".join(
        f"{pair.split('=', 1)[0]}=[redacted]" if "=" in pair else pair
        for pair in parts.query.split("&")
        if pair
    )
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return redact(text)


def _excerpt(body: bytes, secrets: list[str]) -> str:
    text = body[: EXCERPT_CHARS * 8].decode("utf-8", errors="replace")
    return _scrub(text, secrets)[:EXCERPT_CHARS]


def _parse_json(body: bytes, content_type: str) -> tuple[Any, bool]:
    """(parsed JSON or None, whether the body claimed JSON but was not)."""
    claims_json = "json" in content_type.lower()
    if not body.strip():
        return None, False
    try:
        return json_loads(body), False
    except ValueError:  # nested too deeply included: a provider answering nonsense
        return None, claims_json


_ERROR_DETAILS: dict[ErrorKind, str] = {
    "timeout": "the server did not answer in time",
    "connect": "could not connect to the server",
    "too_large": "the answer was larger than allowed and was cut off",
    "invalid_json": "the answer said it was JSON but could not be parsed",
    "protocol": "the server broke the HTTP protocol",
    "invalid_url": "the URL is not a valid http(s) URL",
}


def build_result(
    call: Call,
    *,
    started: float,
    attempts: int,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    too_large: bool = False,
    error: ErrorKind | None = None,
) -> HttpResult:
    elapsed_ms = int((time.monotonic() - started) * 1000)
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    parsed: Any = None
    if error is None and too_large:
        error = "too_large"
    if error is None and status is not None:
        parsed, invalid = _parse_json(body, lowered.get("content-type", ""))
        if invalid:
            error = "invalid_json"
    result = HttpResult(
        status=status,
        headers=lowered,
        json=parsed,
        text_excerpt=_excerpt(body, call.secrets),
        elapsed_ms=elapsed_ms,
        error_kind=error,
        error_detail=_ERROR_DETAILS[error] if error else "",
        attempts=attempts,
        url=call.safe_url,
    )
    log_result(result=result, method=call.method, purpose=call.purpose)
    return result


def log_result(*, result: HttpResult, method: str, purpose: str) -> None:
    """One log line for a finished call: quiet when it went well, louder when it did not."""
    outcome = str(result.status) if result.status is not None else "no answer"
    if result.error_kind:
        outcome += f" ({result.error_kind})"
    level = logging.DEBUG
    if result.error_kind or (result.status or 0) >= 400:
        level = logging.WARNING if result.status is None else logging.INFO
    # Method, safe URL, status and timing only: never headers, never bodies.
    logger.log(
        level,
        "%s %s -> %s in %d ms [%s, attempt %d]",
        method,
        result.url,
        outcome,
        result.elapsed_ms,
        purpose,
        result.attempts,
    )
