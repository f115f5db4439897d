"""Capability checks: each declared capability probed with its cheapest read, after a
connect or reconnect and then every HEALTH_CAPABILITY_INTERVAL_SECONDS, inside the rate
budget; the results combine with the identity check's status by the rule in
`connectors.health.capabilities`.

Claiming is a conditional UPDATE of `capabilities_due_at` (to the claim's end, like a
lease): a dispatcher that updated 0 rows moves on, and a worker that died mid-check
leaves its rows due again when the claim ends. A check writes its status change only
while no identity batch holds the row's lease; otherwise the next identity check applies
the same rule from the stored `capability_reason`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from connectors import http
from connectors.engine import config
from connectors.engine.batch import region_of
from connectors.engine.budget import budget_split
from connectors.engine.decide import interval_of
from connectors.health.capabilities import (
    CapabilityOutcome,
    CapabilityVerdict,
    capabilities_effect,
)
from connectors.health.outcomes import Status
from connectors.models import CapabilityResult, Connection, Transition
from connectors.notify.outbox import notify_transition
from connectors.providers import Capability, Provider, provider_find
from portal.logs import redact

logger = logging.getLogger("connectors.engine")
_rng = random.SystemRandom()

# Statuses whose token answers: a capability probe can tell something only then.
CHECKABLE = (Status.HEALTHY.value, Status.DEGRADED.value)

# (ids, claim end as ISO text or None): queues one capability batch.
Enqueue = Callable[[list[int], str | None], None]


@dataclass
class CapabilityReport:
    checked: int = 0
    deferred: int = 0
    probes: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


def declared(connection: Connection, provider: Provider) -> list[Capability]:
    """The app's declared capabilities this provider knows, in the provider's order."""
    return connection.app.declared_capabilities() if connection.app else []


def capabilities_claim_due(
    *, limit: int, now: datetime | None = None
) -> tuple[list[int], datetime]:
    """Claim up to `limit` connections whose capability check is due; (ids, claim end)."""
    now = now or timezone.now()
    until = now + config.lease()
    ids = list(
        Connection.objects.filter(capabilities_due_at__lte=now)
        .exclude(status=Status.DISCONNECTED)
        .order_by("capabilities_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return [], until
    # The WHERE repeats the due test, so a row another dispatcher took meanwhile is skipped.
    Connection.objects.filter(pk__in=ids, capabilities_due_at__lte=now).update(
        capabilities_due_at=until
    )
    got = Connection.objects.filter(pk__in=ids, capabilities_due_at=until)
    return list(got.values_list("pk", flat=True)), until


def capabilities_dispatch(*, enqueue: Enqueue, now: datetime | None = None) -> int:
    """Claim due capability checks and hand them out in batches; answer how many."""
    ids, until = capabilities_claim_due(limit=config.claim_chunk(), now=now)
    size = config.batch_size()
    for start in range(0, len(ids), size):
        try:
            enqueue(ids[start : start + size], until.isoformat())
        except Exception:
            # The broker is down: make the rest due again at once rather than at claim end.
            Connection.objects.filter(pk__in=ids[start:], capabilities_due_at=until).update(
                capabilities_due_at=now or timezone.now()
            )
            raise
    return len(ids)


def capabilities_due_now(*, connection_ids: Sequence[int]) -> None:
    """Make these connections' capability checks due now (a connect, a new declaration)."""
    Connection.objects.filter(pk__in=list(connection_ids)).exclude(
        status=Status.DISCONNECTED
    ).update(capabilities_due_at=timezone.now())


async def _probe_all(
    client: http.AsyncHttp, work: Sequence[tuple[Connection, Provider, list[Capability]]]
) -> list[list[CapabilityVerdict]]:
    timeout = config.probe_timeout()
    # At most as many in flight as an identity batch may have towards one host.
    gate = asyncio.Semaphore(max(1, min(config.concurrency(), config.per_host())))

    async def one(connection: Connection, provider: Provider, key: str) -> CapabilityVerdict:
        region = region_of(connection)
        if region is None or connection.access_token is None:
            return CapabilityVerdict(CapabilityOutcome.UNKNOWN, detail="no region or token")
        async with gate:
            return await provider.capability_probe(
                client, region, connection.access_token, key, timeout
            )

    async def each(c: Connection, p: Provider, caps: list[Capability]) -> list[CapabilityVerdict]:
        return list(await asyncio.gather(*(one(c, p, cap.key) for cap in caps)))

    return list(await asyncio.gather(*(each(c, p, caps) for c, p, caps in work)))


def _later(seconds: float) -> datetime:
    # Spread by up to 5% so a fleet connected at once does not stay in step.
    return timezone.now() + timedelta(seconds=seconds * (1 + 0.05 * _rng.random()))


def capabilities_run(
    *, ids: Sequence[int], claim_until: datetime | None, trigger: str = "schedule"
) -> CapabilityReport:
    """Check the declared capabilities of `ids` (those still claimed at `claim_until`;
    None: a connect or a person's request, no claim and no budget)."""
    report = CapabilityReport()
    rows = Connection.objects.filter(pk__in=list(ids)).select_related("app")
    if claim_until is not None:
        rows = rows.filter(capabilities_due_at=claim_until)
    work: list[tuple[Connection, Provider, list[Capability]]] = []
    for connection in rows.exclude(status=Status.DISCONNECTED):
        provider = provider_find(connection.provider)
        caps = declared(connection, provider) if provider else []
        if provider is None or not caps:
            _write(connection, None, [], [])
            continue
        if connection.status not in CHECKABLE or not connection.access_token:
            # The identity check is judging the token: look again after its interval.
            due = _later(config.policy_for(interval_of(connection)).interval.total_seconds())
            Connection.objects.filter(pk=connection.pk).update(capabilities_due_at=due)
            continue
        work.append((connection, provider, caps))
    if trigger == "schedule" and work:
        # One unit of the app's budget per probe; a connection is checked whole or not at all.
        wanted = [connection for connection, _, caps in work for _ in caps]
        allowed, waiting = budget_split(wanted)
        granted = Counter(c.pk for c in allowed)
        # The budget says until when each held-back probe waits (the next window, or the
        # provider's reset when the app has little left).
        until = {c.pk: moment for c, moment in waiting}
        for connection, _, caps in work:
            if granted[connection.pk] < len(caps):
                due = until[connection.pk]
                Connection.objects.filter(pk=connection.pk).update(capabilities_due_at=due)
                report.deferred += 1
        work = [item for item in work if granted[item[0].pk] >= len(item[2])]
    if not work:
        return report
    verdicts = http.run_sync("health-capabilities", lambda client: _probe_all(client, work))
    for (connection, provider, caps), found in zip(work, verdicts, strict=True):
        _write(connection, provider, caps, found)
        report.checked += 1
        report.probes += len(found)
        report.outcomes.update(v.outcome.value for v in found)
    logger.info(
        "capability checks (%s): %d connections, %d probes, %d deferred by rate budget; %s",
        trigger, report.checked, report.probes, report.deferred,
        " ".join(f"{k}={v}" for k, v in sorted(report.outcomes.items())) or "none",
    )  # fmt: skip
    return report


def _results_save(
    connection: Connection, caps: list[Capability], found: list[CapabilityVerdict], now: datetime
) -> dict[str, str]:
    """Store each verdict (a probe without one keeps the last); answer key -> outcome."""
    keys = [c.key for c in caps]
    CapabilityResult.objects.filter(connection=connection).exclude(key__in=keys).delete()
    stored = {r.key: r for r in CapabilityResult.objects.filter(connection=connection)}
    outcomes: dict[str, str] = {}
    for cap, verdict in zip(caps, found, strict=True):
        row = stored.get(cap.key) or CapabilityResult(connection=connection, key=cap.key)
        row.attempted_at = now
        row.http_status = verdict.http_status
        row.detail = redact(verdict.detail, limit=200)
        if verdict.outcome is not CapabilityOutcome.UNKNOWN:
            row.outcome = verdict.outcome.value
            row.checked_at = now
        row.save()
        outcomes[cap.key] = row.outcome
    return outcomes


def _write(
    connection: Connection,
    provider: Provider | None,
    caps: list[Capability],
    found: list[CapabilityVerdict],
) -> None:
    """Save one connection's results, its next due time and any change of status."""
    now = timezone.now()
    with transaction.atomic():
        outcomes = _results_save(connection, caps, found, now) if caps else {}
        if not caps:
            due = None
        elif any(v.outcome is CapabilityOutcome.UNKNOWN for v in found):
            # No verdict (a 5xx, a timeout): try again after the identity check's interval.
            due = _later(config.policy_for(interval_of(connection)).interval.total_seconds())
        else:
            due = _later(config.capability_interval().total_seconds())
        _settle(connection, provider, caps, outcomes, due, now)


def capabilities_declared_changed(*, app_connections: Sequence[Connection]) -> None:
    """An app's declared capabilities changed: drop results of undeclared ones, settle
    each connection's status on what is left, and check the rest at once."""
    now = timezone.now()
    for connection in app_connections:
        provider = provider_find(connection.provider)
        caps = declared(connection, provider) if provider else []
        with transaction.atomic():
            keys = [c.key for c in caps]
            results = CapabilityResult.objects.filter(connection=connection)
            results.exclude(key__in=keys).delete()
            outcomes = dict(results.values_list("key", "outcome"))
            _settle(connection, provider, caps, outcomes, now if caps else None, now)


def _settle(
    connection: Connection,
    provider: Provider | None,
    caps: list[Capability],
    outcomes: dict[str, str],
    due: datetime | None,
    now: datetime,
) -> None:
    """Store the missing-capability reason and due time; apply the status rule."""
    missing = [c for c in caps if outcomes.get(c.key) == CapabilityOutcome.MISSING.value]
    reason = provider.capabilities_missing_reason(missing) if provider and missing else ""
    reason = redact(reason, limit=300)
    live = Connection.objects.filter(pk=connection.pk).exclude(status=Status.DISCONNECTED)
    live.update(capability_reason=reason, capabilities_due_at=due)
    connection.capability_reason, connection.capabilities_due_at = reason, due
    effect = capabilities_effect(
        status=Status(connection.status), held=connection.capability_hold, missing_reason=reason
    )
    changes: dict[str, object] = {}
    if effect.status.value != connection.status:
        changes.update(status=effect.status.value, status_since=now)
    if effect.held != connection.capability_hold:
        changes["capability_hold"] = effect.held
    if effect.status_reason is not None and effect.status_reason != connection.status_reason:
        changes["status_reason"] = redact(effect.status_reason, limit=300)
    if not changes:
        return
    # Only while no identity batch holds the row, and only if nothing moved meanwhile.
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    written = live.filter(free, status=connection.status,
                          capability_hold=connection.capability_hold).update(**changes)  # fmt: skip
    if not written or effect.transition_reason is None:
        return
    old = connection.status
    reason_text = redact(effect.transition_reason, limit=300)
    Transition.objects.create(
        connection=connection, team_id=connection.team_id, at=now, from_status=old,
        to_status=effect.status.value, reason=reason_text,
    )  # fmt: skip
    connection.status = effect.status.value
    notify_transition(connection=connection, from_status=old, to_status=effect.status.value,
                      reason=reason_text, at=now)  # fmt: skip
