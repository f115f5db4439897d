"""A check that cannot reach the sandbox because of this portal's own settings (the sandbox
URL points where nothing listens) is not a status change: it is misconfigured, the
operator hears it from `check_connections`, and nobody is notified."""

from __future__ import annotations

import socket
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from connectors.models import Transition
from connectors.notify.models import OutboxEvent
from tests.engine.conftest import Linked

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # free again once closed: nothing listens there


def _check_all() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("check_connections", "--sync", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("setting", ["SANDBOX_BASE_URL", "SITE_URL"])
def test_an_unreachable_sandbox_is_misconfigured_not_a_status_change(
    linked: Linked, settings: Any, setting: str
) -> None:
    _check_all()
    assert linked.reload().status == "healthy"
    transitions, events = Transition.objects.count(), OutboxEvent.objects.count()

    # Where `up` once ran on another port: the portal's own idea of its sandbox is wrong.
    port = _closed_port()
    if setting == "SITE_URL":
        settings.SANDBOX_BASE_URL = ""
        settings.SITE_URL = f"http://127.0.0.1:{port}"
    else:
        settings.SANDBOX_BASE_URL = f"http://127.0.0.1:{port}/sandbox/intercom"
    for _ in range(4):  # more than HEALTH_FAILING_AFTER transient errors would need
        out, err = _check_all()

    connection = linked.reload()
    assert connection.status == "healthy"
    assert connection.last_outcome == "misconfigured"
    assert connection.consecutive_failures == 0
    assert f"127.0.0.1:{port}" in connection.last_error
    assert Transition.objects.count() == transitions
    assert OutboxEvent.objects.count() == events  # no degraded/recovered email or webhook
    assert "misconfigured" in out
    assert "because of this portal's configuration" in err
    assert "nobody notified" in err


def test_the_sandbox_reachable_again_checks_as_before(linked: Linked, settings: Any) -> None:
    good = settings.SANDBOX_BASE_URL
    settings.SANDBOX_BASE_URL = f"http://127.0.0.1:{_closed_port()}/sandbox/intercom"
    _check_all()
    assert linked.reload().last_outcome == "misconfigured"
    settings.SANDBOX_BASE_URL = good
    _out, err = _check_all()
    assert linked.reload().last_outcome == "ok"
    assert err == ""


def test_check_connections_with_no_connections_at_all_says_so_and_succeeds() -> None:
    out, _err = _check_all()
    assert "no connections to check yet" in out
