"""Finding 9 (issue 17): secrets reached the logs. django-ninja logged a whole
Authorization header whose scheme was not Bearer; the redactor knew none of the portal's
own prefixes; exception text was not masked with LOG_FORMAT=text; invitation tokens sat
in access-log URLs. Each is checked against what the configured logging really writes."""

from __future__ import annotations

import logging
import secrets
import sys
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from gunicorn.config import Config

from connectors.notify.signing import signing_secret_new
from connectors.providers.intercom.sandbox.credentials import new_access_token, new_refresh_token
from portal.logs import RedactingAccessLogger, redact
from tests.security.conftest import World

API_KEY = "cpk_" + secrets.token_urlsafe(32)  # as connectors/api/keys.py mints them


def _stdout_handler() -> logging.Handler:
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "stdout"]
    return handler


@pytest.mark.parametrize(
    "secret", [API_KEY, signing_secret_new(), new_access_token(), new_refresh_token()]
)
@pytest.mark.parametrize(
    "line", ["key {} used", "posting with {}", "Authorization: Token {}", "x={}"]
)
def test_the_portals_own_credentials_are_masked(secret: str, line: str) -> None:
    assert secret not in redact(line.format(secret))
    assert secret[:12] not in redact(line.format(secret))


@pytest.mark.django_db
def test_a_key_sent_with_another_scheme_never_reaches_the_log(
    world: World, caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    settings.DEBUG = True  # ninja logs the header only then: development, or a mistake
    for scheme in ("Token", "Basic", "ApiKey"):
        answer = Client().get(
            "/api/v1/apps", headers={"Authorization": f"{scheme} {world.alice_key}"}
        )
        assert answer.status_code == 401
    assert world.alice_key[4:16] not in caplog.text  # no record carries it at all


def test_exception_text_is_masked_in_the_text_format() -> None:
    try:
        raise RuntimeError(f"delivery failed for {API_KEY} with secret={API_KEY}")
    except RuntimeError:
        record = logging.getLogger("portal.test").makeRecord(
            "portal.test", logging.ERROR, __file__, 1, "boom", None, sys.exc_info()
        )
    written = _stdout_handler().format(record)
    assert "RuntimeError" in written
    assert API_KEY not in written
    assert API_KEY[4:16] not in written


def test_invitation_tokens_stay_out_of_the_access_log() -> None:
    token = secrets.token_urlsafe(32)  # as portal/services/invitations.py mints them
    logger = RedactingAccessLogger(Config())
    request = SimpleNamespace(
        headers=[], method="GET", path=f"/invitations/{token}/", query="", version=(1, 1)
    )
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/invitations/{token}/?next=/x",
               "PATH_INFO": f"/invitations/{token}/", "QUERY_STRING": "next=/x",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.9"}  # fmt: skip
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    line = logger.cfg.access_log_format % atoms
    assert "/invitations/" in line
    assert token not in line
