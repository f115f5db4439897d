"""Real workers on Redis and Postgres: concurrent dispatchers never share a connection."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connections
from django.db.models import Count

from connectors import tasks
from connectors.engine.dispatch import due_checks_dispatch
from connectors.models import Check, Connection
from portal.models import Team
from tests.engine.conftest import link
from tests.sandbox.conftest import Sandbox
from tests.support.workers import WorkerPool, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def _dispatch_as(name: str, claimed: dict[str, list[int]], start: threading.Barrier) -> None:
    def enqueue(ids: list[int], lease_token: str) -> None:
        claimed[name].extend(ids)
        tasks._enqueue_batch(ids, lease_token)
        time.sleep(0.05)  # let the other dispatcher in between chunks

    try:
        start.wait(timeout=10)
        due_checks_dispatch(enqueue=enqueue)
    finally:
        connections.close_all()  # this thread's own database connection


def test_two_dispatchers_at_once_claim_disjoint_sets_and_no_connection_is_checked_twice(
    workers: WorkerPool, sandbox_at: Sandbox, team: Team, settings: Any
) -> None:
    settings.HEALTH_CLAIM_CHUNK = 3
    settings.HEALTH_BATCH_SIZE = 3
    ids = {link(sandbox_at, team).connection.pk for _ in range(18)}
    workers.start()
    workers.start()

    claimed: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)
    threads = [threading.Thread(target=_dispatch_as, args=(n, claimed, start)) for n in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    a, b = set(claimed["a"]), set(claimed["b"])
    assert a, "dispatcher a claimed nothing"
    assert b, "dispatcher b claimed nothing"
    assert not a & b
    assert a | b == ids
    assert len(claimed["a"]) + len(claimed["b"]) == len(ids)

    wait_for(
        lambda: Check.objects.filter(connection_id__in=ids).count() >= len(ids),
        timeout=60, what="the workers to check every connection", pool=workers,
    )  # fmt: skip
    # Beat ticks again: nothing is due until the next interval, so nothing is re-checked.
    assert due_checks_dispatch(enqueue=tasks._enqueue_batch) == 0
    time.sleep(1)
    per_connection = dict(
        Check.objects.values_list("connection_id")
        .annotate(n=Count("id"))
        .values_list("connection_id", "n")
    )
    assert per_connection == dict.fromkeys(ids, 1)
    assert set(Connection.objects.values_list("status", flat=True)) == {"healthy"}
