"""Engine fixtures: a sandbox workspace connected through a real token, short timings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from connectors import tasks
from connectors.engine.batch import BatchReport, batch_run
from connectors.engine.dispatch import connections_claim_due, due_checks_dispatch
from connectors.models import App, Connection
from connectors.providers.intercom.sandbox.models import SandboxApp
from portal.models import Team
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401 - the fixture
from tests.sandbox.factories import SandboxAppFactory, portal_connection
from tests.support.workers import WorkerPool, wait_for, workers  # noqa: F401 - the fixture


@pytest.fixture(autouse=True)
def _fast_engine(settings: Any) -> None:
    settings.HEALTH_MIN_INTERVAL_SECONDS = 1
    settings.HEALTH_BASE_BACKOFF_SECONDS = 1
    settings.HEALTH_CONFIRM_DELAY_SECONDS = 1
    settings.HEALTH_PROBE_TOTAL_TIMEOUT = 1.5
    settings.HEALTH_PROBE_READ_TIMEOUT = 1.0
    from django.db import connection as db

    if db.vendor == "sqlite":
        # The live server shares one in-memory SQLite database: one sandbox call at a time.
        settings.HEALTH_PER_HOST = 1


@dataclass
class Linked:
    """A portal connection and the sandbox app/token behind it."""

    sandbox: Sandbox
    sandbox_app: SandboxApp
    app: App
    connection: Connection
    token: str
    body: dict[str, Any]

    def reload(self) -> Connection:
        self.connection.refresh_from_db()
        return self.connection


def link(sb: Sandbox, team: Team, *, expiring: bool = False, interval: int = 60) -> Linked:
    sandbox_app: SandboxApp = SandboxAppFactory(
        expiring_tokens=expiring, token_lifetime_seconds=900
    )
    body = sb.connect(sandbox_app)
    app, connection = portal_connection(
        team, sandbox_app, access_token=body["access_token"],
        refresh_token=body.get("refresh_token"), expires_in=body.get("expires_in"),
        interval=interval,
    )  # fmt: skip
    return Linked(sb, sandbox_app, app, connection, body["access_token"], body)


@pytest.fixture
def sandbox_at(settings: Any, sandbox: Sandbox) -> Sandbox:  # noqa: F811
    settings.SANDBOX_BASE_URL = sandbox.base
    return sandbox


@pytest.fixture
def linked(sandbox_at: Sandbox, team: Team) -> Linked:
    return link(sandbox_at, team)


Retries = list[tuple[list[int], str, float]]


@pytest.fixture
def sweep() -> Callable[..., BatchReport]:
    """Make every active connection due now, claim and check them like the workers would.

    Confirming retries are run at once (their countdown is the scheduler's business).
    """

    def run(*, force_due: bool = True) -> BatchReport:
        if force_due:
            Connection.objects.filter(next_check_at__isnull=False).update(
                next_check_at=timezone.now()
            )
        claim = connections_claim_due(limit=500)
        retries: Retries = []
        report = batch_run(
            ids=claim.ids,
            lease_token=claim.lease_token,
            retry=lambda ids, tok, delay: retries.append((ids, tok, delay)),
        )
        for ids, token, _delay in retries:
            report = batch_run(ids=ids, lease_token=token, trigger="confirm")
        return report

    return run


def dispatch_until(pool: WorkerPool, what: str, condition: Callable[[], object],
                   timeout: float = 60) -> None:  # fmt: skip
    """Dispatch due checks to the real workers as beat would, until `condition` holds."""

    def tick() -> bool:
        due_checks_dispatch(enqueue=tasks._enqueue_batch)
        return bool(condition())

    wait_for(tick, timeout=timeout, what=what, pool=pool)
