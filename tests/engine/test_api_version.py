"""INTERCOM_API_VERSION over real HTTP: the sandbox accepts every version Intercom
publishes (the enum of its OpenAPI description), and a version it does not publish is a
configuration problem operators see, never a token problem."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import checks
from django.test import Client

from connectors.engine.batch import BatchReport
from connectors.providers.intercom import client as intercom_client
from portal.models import User
from tests.engine.conftest import Linked
from tests.ops.conftest import staff  # noqa: F401 - the fixture
from tests.sandbox.conftest import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)

Sweep = Callable[..., BatchReport]
VENDORED = (
    Path(__file__).resolve().parents[2]
    / "connectors/providers/intercom/sandbox/openapi/intercom-openapi-subset.json"
)
PUBLISHED = json.loads(VENDORED.read_text())["components"]["schemas"]["intercom_version"]["enum"]


def test_the_published_list_is_intercoms_1_0_to_2_16_and_preview() -> None:
    assert PUBLISHED[0] == "1.0"
    assert PUBLISHED[-2:] == ["2.16", "Preview"]


def test_the_portal_sends_its_default_version_and_intercom_publishes_it(
    linked: Linked, sweep: Sweep
) -> None:
    sent = intercom_client._headers()["Intercom-Version"]
    assert sent == "2.16"
    sweep()
    assert linked.reload().status == "healthy"


def test_the_sandbox_accepts_every_published_version(linked: Linked) -> None:
    for version in PUBLISHED:
        answer = linked.sandbox.me(linked.token, **{"Intercom-Version": version})
        assert answer.status_code == 200, version


def test_an_unpublished_version_is_a_configuration_problem_for_operators(
    linked: Linked, sweep: Sweep, settings: Any, client_for: Callable[[User], Client],
    staff: User,  # noqa: F811
) -> None:  # fmt: skip
    settings.INTERCOM_API_VERSION = "2.99"
    settings.OPS_CACHE_SECONDS = 0
    sweep()
    connection = linked.reload()
    assert connection.last_outcome == "misconfigured"
    assert connection.status == "pending"  # not the token's fault: the status stays
    assert "INTERCOM_API_VERSION" in connection.last_error
    page = client_for(staff).get("/ops/").content.decode()
    assert "Configuration problems" in page
    assert "INTERCOM_API_VERSION" in page


def test_the_start_up_check_warns_about_an_unpublished_version(settings: Any) -> None:
    settings.INTERCOM_API_VERSION = "2.99"
    warnings = [m for m in checks.run_checks() if m.id == "intercom.W001"]
    assert len(warnings) == 1
    assert "2.16" in (warnings[0].hint or "")
    settings.INTERCOM_API_VERSION = "2.16"
    assert not [m for m in checks.run_checks() if m.id == "intercom.W001"]


def test_the_sandbox_names_the_published_versions_when_refusing(
    linked: Linked, sandbox_at: Sandbox
) -> None:
    answer = sandbox_at.me(linked.token, **{"Intercom-Version": "2.99"})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "intercom_version_invalid"
    assert "2.16" in answer.json()["errors"][0]["message"]
