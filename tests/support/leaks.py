"""A leak detector: fail a test when a known test secret shows up where it must not.

Enable it for the whole suite from tests/conftest.py:

    pytest_plugins = ["tests.support.leaks"]

    @pytest.fixture(autouse=True)
    def _no_secret_leaks(leak_guard: LeakGuard) -> None:
        pass

Test code registers every secret it invents with `register_test_secret("...")` (or
`leak_guard.register(...)`); at teardown the guard checks every log record and every
Django test client response of the test for those values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from django.test import Client

KNOWN_TEST_SECRETS: set[str] = set()
MIN_SECRET_LENGTH = 6  # shorter strings would match by accident


def register_test_secret(value: str) -> str:
    """Remember `value` as a secret no page or log may contain; returns it for chaining."""
    KNOWN_TEST_SECRETS.add(value)
    return value


def _masked(secret: str) -> str:
    return f"{secret[:2]}…({len(secret)} chars)"


def assert_no_secret_leaks(texts: Iterable[str], secrets: Iterable[str]) -> None:
    """Fail with the place of the first text that contains any of `secrets`."""
    wanted = [s for s in set(secrets) if len(s) >= MIN_SECRET_LENGTH]
    for index, text in enumerate(texts):
        for secret in wanted:
            position = text.find(secret)
            if position >= 0:
                before = text[max(0, position - 60) : position]
                pytest.fail(
                    f"secret {_masked(secret)} leaked in captured text #{index}, after: {before!r}",
                    pytrace=False,
                )


class LeakGuard:
    """What one test produced that must never hold a secret."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog
        self.secrets: set[str] = set()
        self.responses: list[str] = []

    def register(self, value: str) -> str:
        self.secrets.add(value)
        return value

    def records(self) -> list[logging.LogRecord]:
        # At teardown caplog.records holds only the teardown phase; collect them all.
        phases = ("setup", "call")
        return [r for phase in phases for r in self.caplog.get_records(phase)] + list(
            self.caplog.records
        )

    def texts(self) -> Iterator[str]:
        formatter = logging.Formatter()
        for record in self.records():
            yield record.getMessage()
            if record.exc_info:
                yield formatter.formatException(record.exc_info)
            if record.exc_text:
                yield record.exc_text
        yield from self.responses

    def check(self) -> None:
        assert_no_secret_leaks(self.texts(), KNOWN_TEST_SECRETS | self.secrets)


def _response_text(response: Any) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    if getattr(response, "streaming", False):
        return headers  # reading a stream here would consume it for the test
    body = response.content.decode("utf-8", errors="replace")
    return f"{headers}\n\n{body}"


@pytest.fixture
def leak_guard(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[LeakGuard]:
    """Capture logs and test-client responses; fail at teardown if a known secret is in them."""
    caplog.set_level(logging.DEBUG)
    guard = LeakGuard(caplog)
    original = Client.request

    def recording_request(self: Client, **request: Any) -> Any:
        response = original(self, **request)
        guard.responses.append(_response_text(response))
        return response

    monkeypatch.setattr(Client, "request", recording_request)
    yield guard
    guard.check()
