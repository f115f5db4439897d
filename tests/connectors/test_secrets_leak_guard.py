"""The leak detector other tests rely on: it must catch a leak, and stay quiet otherwise."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from portal.secrets import Secret
from tests.support import leaks

leak_guard = leaks.leak_guard  # the fixture, as conftest will provide it suite-wide

SECRET = "leak-guard-secret-0123456789"


def test_assert_no_secret_leaks_names_the_text_but_not_the_secret() -> None:
    with pytest.raises(pytest.fail.Exception) as caught:
        leaks.assert_no_secret_leaks(["all clear", f"token={SECRET}"], [SECRET])
    message = str(caught.value)
    assert "captured text #1" in message
    assert SECRET not in message


def test_short_strings_are_not_treated_as_secrets() -> None:
    leaks.assert_no_secret_leaks(["abc appears here"], ["abc"])


def test_the_guard_catches_a_registered_secret_in_a_log_line(
    leak_guard: leaks.LeakGuard, caplog: pytest.LogCaptureFixture
) -> None:
    leak_guard.register(SECRET)
    logging.getLogger("tests.leaky").warning("oops %s", SECRET)
    with pytest.raises(pytest.fail.Exception):
        leak_guard.check()
    caplog.clear()  # so the fixture's own check at teardown passes


def test_the_guard_captures_test_client_responses(
    leak_guard: leaks.LeakGuard, client: Client, db: None
) -> None:
    leak_guard.register(SECRET)
    client.get("/no-such-page/")
    assert len(leak_guard.responses) == 1
    leak_guard.responses.append(f"<p>{SECRET}</p>")
    with pytest.raises(pytest.fail.Exception):
        leak_guard.check()
    leak_guard.responses.clear()


def test_the_guard_passes_when_only_hints_are_shown(leak_guard: leaks.LeakGuard) -> None:
    secret = Secret(leaks.register_test_secret(SECRET))
    logging.getLogger("tests.careful").warning("stored %s (%r)", secret, secret)
