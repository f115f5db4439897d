"""Celery tasks of the health engine: thin wrappers that take ids and call the engine."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from connectors.engine import config
from connectors.engine.batch import batch_run
from connectors.engine.capabilities import capabilities_dispatch, capabilities_run
from connectors.engine.dispatch import connections_claim_refresh, due_checks_dispatch
from connectors.engine.refresh import connection_refresh
from connectors.engine.rollups import fleet_rollup, nightly
from connectors.models import Connection
from connectors.tally import tally_compact

logger = logging.getLogger("connectors.engine")

PRIORITY_QUEUE = "priority"


def _enqueue_batch(ids: list[int], lease_token: str) -> None:
    # A batch that waits longer than its lease is stale: the rows are dispatched again.
    check_batch.apply_async(args=(ids, lease_token), expires=config.lease().total_seconds())


def _enqueue_retry(ids: list[int], lease_token: str, countdown: float) -> None:
    check_batch.apply_async(args=(ids, lease_token, "confirm"), countdown=countdown)


@shared_task(name="connectors.dispatch_due_checks", ignore_result=True)
def dispatch_due_checks() -> int:
    """Beat, every 30 s: lease due connections into batches; queue due token refreshes."""
    claimed = due_checks_dispatch(enqueue=_enqueue_batch)
    refreshes = connections_claim_refresh(limit=1000)
    for pk in refreshes:
        refresh_token.apply_async(args=(pk,))
    capabilities = capabilities_dispatch(enqueue=_enqueue_capabilities)
    if claimed or refreshes or capabilities:
        logger.info(
            "dispatch: %d connections in batches, %d refreshes, %d capability checks",
            claimed, len(refreshes), capabilities,
        )  # fmt: skip
    return claimed


def _enqueue_capabilities(ids: list[int], claim_until: str | None) -> None:
    check_capabilities.apply_async(args=(ids, claim_until), expires=config.lease().total_seconds())


@shared_task(name="connectors.check_capabilities", ignore_result=True)
def check_capabilities(
    ids: list[int], claim_until: str | None, trigger: str = "schedule"
) -> dict[str, int]:
    """Probe the declared capabilities of `ids` (claimed until `claim_until`, ISO time)."""
    until = datetime.fromisoformat(claim_until) if claim_until else None
    report = capabilities_run(ids=ids, claim_until=until, trigger=trigger)
    return {"checked": report.checked, "deferred": report.deferred, "probes": report.probes}


def enqueue_capability_check(connection_id: int, trigger: str) -> None:
    """After the current transaction commits, check one connection's capabilities at once
    (a connect, a reconnect). If the broker is down, the next dispatch finds them due."""

    def send() -> None:
        try:
            check_capabilities.apply_async(
                args=([connection_id], None, trigger), queue=PRIORITY_QUEUE, retry=False
            )
        except Exception:  # kombu/redis raise many types when the broker is gone
            logger.warning("capability check of connection %s: broker unreachable", connection_id)

    transaction.on_commit(send)


@shared_task(name="connectors.check_batch", ignore_result=True)
def check_batch(ids: list[int], lease_token: str, trigger: str = "schedule") -> dict[str, Any]:
    report = batch_run(ids=ids, lease_token=lease_token, trigger=trigger, retry=_enqueue_retry)
    return {"checked": report.checked, "deferred": report.deferred, "lost": report.lost,
            "phases": report.phases}  # fmt: skip


@shared_task(name="connectors.check_now", ignore_result=True)
def check_now(connection_id: int) -> str | None:
    """One check a person asked for; it takes the lease from any scheduled batch."""
    token = uuid.uuid4().hex
    until = timezone.now() + config.lease()
    Connection.objects.filter(pk=connection_id).update(lease_token=token, claimed_until=until)
    report = batch_run(ids=[connection_id], lease_token=token, trigger="manual",
                       retry=_enqueue_retry)  # fmt: skip
    # A person pressing Check now after granting a permission wants to see it cleared.
    if Connection.objects.filter(pk=connection_id, capabilities_due_at__isnull=False).exists():
        capabilities_run(ids=[connection_id], claim_until=None, trigger="manual")
    return report.results.get(connection_id)


def enqueue_check_now(connection_id: int) -> None:
    """Queue `check_now` at high priority; raises if the broker is unreachable."""
    check_now.apply_async(args=(connection_id,), queue=PRIORITY_QUEUE, priority=9, retry=False)


@shared_task(name="connectors.refresh_token", ignore_result=True)
def refresh_token(connection_id: int) -> str:
    return connection_refresh(connection_id=connection_id)


@shared_task(name="connectors.rollup_fleet", ignore_result=True)
def rollup_fleet() -> int:
    """Every 5 minutes: recompute the last few 5-minute buckets (late checks included)."""
    now = timezone.now()
    return fleet_rollup(since=now - timedelta(minutes=15), until=now)


@shared_task(name="connectors.prune_history", ignore_result=True)
def prune_history() -> dict[str, int]:
    """Nightly: daily rollups, then delete history past its window."""
    result = nightly()
    logger.info("history: %s", " ".join(f"{k}={v}" for k, v in result.items()))
    return result


@shared_task(name="connectors.tally_compact", ignore_result=True)
def tally_compact_task() -> dict[str, int]:
    """Every minute: fold the connection tally's pending deltas into its counts."""
    return tally_compact()
