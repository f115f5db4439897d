"""Uninstall notices over real HTTP: the sandbox, as Intercom does, POSTs a notice signed
with the app's client secret (HMAC-SHA1 of the raw body, hex, `sha1=<hex>` in
X-Hub-Signature, per Intercom's "Signed notifications"); the portal logs it as verified
and checks the workspace on the next dispatch. Forged or unsigned notices are hints."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable

import pytest
from django.urls import reverse

from connectors.engine.batch import BatchReport
from connectors.models import Check
from tests.engine.conftest import Linked

pytestmark = pytest.mark.django_db(transaction=True)

Sweep = Callable[..., BatchReport]
BODY = b'{"app_id": "acme0us1"}'


def _hook(linked: Linked) -> str:
    path = reverse(
        "hook_uninstall",
        kwargs={"provider_key": "intercom", "app_public_id": linked.app.public_id},
    )
    return linked.sandbox.base.removesuffix("/sandbox/intercom") + path


def _sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def _notice_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "connectors.hooks"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature": "sha1=" + "0" * 40},
        {"X-Hub-Signature": "sha1=" + _sign("not-the-secret", BODY)},
        {"X-Body-Signature": _sign("not-the-secret", BODY)},
    ],
    ids=["unsigned", "garbage-signature", "other-secret", "other-secret-body-header"],
)
def test_a_forged_or_unsigned_notice_is_a_hint_logged_as_unverified(
    linked: Linked, caplog: pytest.LogCaptureFixture, headers: dict[str, str]
) -> None:
    caplog.set_level(logging.INFO, logger="connectors.hooks")
    sent = {"Content-Type": "application/json", **headers}
    answer = linked.sandbox.http.post(_hook(linked), content=BODY, headers=sent)
    assert (answer.status_code, answer.json()) == (200, {"ok": True})
    (line,) = _notice_log(caplog)
    assert "unverified (a hint only)" in line
    assert linked.reload().check_requested_at is not None


@pytest.mark.parametrize("header", ["X-Hub-Signature", "X-Body-Signature"])
def test_a_notice_signed_with_the_client_secret_is_logged_as_verified(
    linked: Linked, caplog: pytest.LogCaptureFixture, header: str
) -> None:
    caplog.set_level(logging.INFO, logger="connectors.hooks")
    secret = linked.sandbox_app.client_secret  # type: ignore[attr-defined]
    signature = _sign(secret, BODY)
    value = f"sha1={signature}" if header == "X-Hub-Signature" else signature
    sent = {"Content-Type": "application/json", header: value}
    answer = linked.sandbox.http.post(_hook(linked), content=BODY, headers=sent)
    assert (answer.status_code, answer.json()) == (200, {"ok": True})
    (line,) = _notice_log(caplog)
    assert ": verified;" in line


def test_the_sandbox_sends_a_signed_notice_and_the_next_dispatch_checks_the_workspace(
    linked: Linked, sweep: Sweep, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="connectors.hooks")
    sweep()
    assert linked.reload().status == "healthy"
    client_id = linked.sandbox_app.client_id
    set_url = linked.sandbox.control(f"apps/{client_id}", {"uninstall_url": _hook(linked)})
    assert set_url.status_code == 200, set_url.text
    before = Check.objects.count()

    uninstalled = linked.sandbox.control("workspaces/acme0us1/uninstall", {"client_id": client_id})

    assert uninstalled.json()["notice"]["status"] == 200
    (line,) = _notice_log(caplog)
    assert ": verified;" in line
    assert "1 connection(s) to check now" in line
    report = sweep(force_due=False)  # only what is due: the notice made it due now
    assert report.checked == 1
    assert Check.objects.count() > before
    assert linked.reload().status == "revoked"  # the uninstall killed the token
