"""One batch task: probe its connections concurrently, decide, and write in bulk."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from connectors import http
from connectors.engine import config
from connectors.engine.budget import budget_split, rate_seen_record
from connectors.engine.decide import Applied, Decided, decide, decision_apply
from connectors.engine.incidents import Answer, incidents_judge, key_of, revocations_hold_late
from connectors.engine.writes import results_write
from connectors.health.outcomes import Classification, Outcome, ProbeAnswer, Status
from connectors.models import Check, Connection, Transition
from connectors.providers import Region, provider_find

logger = logging.getLogger("connectors.engine")

# (ids, lease token, countdown seconds): schedules a confirming retry.
Retry = Callable[[list[int], str, float], None]


@dataclass
class BatchReport:
    """What one batch did, for its log line and for callers."""

    claimed: int = 0
    checked: int = 0
    deferred: int = 0
    lost: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    results: dict[int, str] = field(default_factory=dict)  # connection id -> status after
    phases: dict[str, float] = field(default_factory=dict)  # seconds: load, probe, write

    def lap(self, phase: str, since: float) -> float:
        """Record `phase` as the time since `since`; answer now, for the next phase."""
        now = time.monotonic()
        self.phases[phase] = round(now - since, 4)
        return now


def region_of(connection: Connection) -> Region | None:
    """The API host to probe: a sandbox app always talks to the sandbox."""
    spec = provider_find(connection.provider)
    if spec is None:
        return None
    app_region = spec.region(connection.app.region) if connection.app else None
    if app_region is not None and app_region.sandbox:
        return app_region
    return spec.region(connection.region) or app_region


def sandbox_unreachable(region: Region) -> str:
    """Why a check could not reach the sandbox: this portal's own settings, never the token."""
    return (
        f"The sandbox at {region.api_base} could not be reached: this portal's SITE_URL (or "
        "SANDBOX_BASE_URL) points where nothing serves it; run `uv run manage.py up` (it "
        "writes var/dev.env with its port) or fix the setting. Not a status change."
    )


def _unprobeable(reason: str) -> Classification:
    return Classification(outcome=Outcome.MISCONFIGURED, reason=reason, detail=reason)


class _Prober(threading.local):
    """This thread's event loop and pooled client, kept from batch to batch.

    Keep-alive sockets (and TLS sessions) then outlive one batch: a worker making
    thousands of probes a minute to one API host connects once, not once per batch.
    """

    loop: asyncio.AbstractEventLoop | None = None
    client: http.AsyncHttp | None = None
    limits: tuple[int, int] = (0, 0)

    def run(
        self, connections: Sequence[Connection], now: datetime
    ) -> list[tuple[Classification, int | None]]:
        if self.loop is None or self.loop.is_closed():
            self.loop = asyncio.new_event_loop()
            self.client = None
        limits = (config.concurrency(), config.per_host())
        if self.client is None or self.limits != limits:
            if self.client is not None:
                self.loop.run_until_complete(self.client.aclose())
            self.client = http.make_async_client(
                max_connections=limits[0], per_host=limits[1], purpose="health"
            )
            self.limits = limits
        return self.loop.run_until_complete(_probe_all(self.client, connections, now))


_prober = _Prober()


def _forget_prober_after_fork() -> None:
    # A forked worker must not share its parent's sockets or loop; it makes its own.
    global _prober
    _prober = _Prober()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_prober_after_fork)


async def _probe_all(
    client: http.AsyncHttp, connections: Sequence[Connection], now: datetime
) -> list[tuple[Classification, int | None]]:
    timeout = config.probe_timeout()

    async def one(connection: Connection) -> tuple[Classification, int | None]:
        provider = provider_find(connection.provider)
        region = region_of(connection)
        if provider is None or not provider.can_check:
            return _unprobeable("This provider has no health check."), None
        if region is None:
            return _unprobeable(f"No API host is known for region {connection.region!r}."), None
        if not connection.access_token:
            return _unprobeable("The connection has no access token: reconnect it."), None
        answer: ProbeAnswer = await provider.probe(client, region, connection.access_token, timeout)
        if region.sandbox and answer.error_kind == "connect":
            return _unprobeable(sandbox_unreachable(region)), answer.elapsed_ms
        expected = connection.external_id or None
        return provider.classify(answer, expected_workspace=expected, now=now), answer.elapsed_ms

    return list(await asyncio.gather(*(one(c) for c in connections)))


def _answers(decided: Sequence[tuple[Connection, Decided]]) -> list[Answer]:
    """Each answer with the status it makes, were no incident open (the rule's input)."""
    return [Answer(c, d.classification.outcome, d.decision.state.status) for c, d in decided]


def _defer(connection: Connection, until: datetime) -> None:
    # Over the rate budget, or the app has little left: try again then (already spread).
    connection.next_check_at = until
    connection.claimed_until = None
    connection.lease_token = ""


def batch_run(
    *,
    ids: Sequence[int],
    lease_token: str | None,
    trigger: str = "schedule",
    retry: Retry | None = None,
) -> BatchReport:
    """Check `ids` (those still leased to `lease_token`; None: a manual check, no lease)."""
    started = time.monotonic()
    report = BatchReport()
    rows = Connection.objects.filter(pk__in=list(ids)).select_related("app")
    if lease_token is not None:
        rows = rows.filter(lease_token=lease_token)
    else:
        rows = rows.exclude(status=Status.DISCONNECTED)
    connections = list(rows)
    lap = report.lap("load", started)
    report.claimed = len(connections)
    if not connections:
        report.lost = len(ids)
        return report
    if trigger == "schedule":
        probe, waiting = budget_split(connections)
    else:
        probe, waiting = list(connections), []  # a person asked: always answer them
    deferred = [connection for connection, _ in waiting]
    now = timezone.now()
    answers = _prober.run(probe, now) if probe else []
    rate_seen_record((c.app_id, answer) for c, (answer, _) in zip(probe, answers, strict=True))
    lap = report.lap("probe", lap)
    # Each answer is judged once without an incident; only those of a provider and region
    # with one open are judged again, held.
    previews = [
        (
            connection,
            decide(connection, classification, now=now, latency_ms=latency, incident=False),
        )
        for connection, (classification, latency) in zip(probe, answers, strict=True)
    ]
    held_keys = incidents_judge(answers=_answers(previews), now=now) if probe else set()
    applied: list[Applied] = []
    for (connection, preview), (classification, latency) in zip(previews, answers, strict=True):
        applied.append(
            decision_apply(
                connection=connection,
                classification=classification,
                now=now,
                latency_ms=latency,
                trigger=trigger,
                incident=key_of(connection) in held_keys,
                decided=preview,
            )
        )
        report.outcomes[classification.outcome.value] += 1
    for connection, until in waiting:
        _defer(connection, until)
    confirm_token = uuid.uuid4().hex
    confirm_ids: list[int] = []
    delay = 0.0
    for connection, item in zip(probe, applied, strict=True):
        if item.decision.confirm_retry and connection.next_check_at is not None:
            # Lease the confirming retry now, so no dispatcher races the countdown task.
            connection.lease_token = confirm_token
            connection.claimed_until = connection.next_check_at + config.lease()
            delay = max(delay, (connection.next_check_at - now).total_seconds())
            confirm_ids.append(connection.pk)
    checks: list[Check] = [a.check for a in applied]
    transitions: list[Transition] = [a.transition for a in applied if a.transition]
    lap = report.lap("decide", lap)
    held = results_write(
        connections=[*probe, *deferred],
        checks=checks,
        transitions=transitions,
        lease_token=lease_token,
    )
    report.lap("write", lap)
    revocations_hold_late(
        c for c, item in zip(probe, applied, strict=True)
        if c.pk in held and key_of(c) not in held_keys and c.status == Status.REVOKED
        and item.transition is not None
    )  # fmt: skip
    confirm_ids = [pk for pk in confirm_ids if pk in held]
    if confirm_ids and retry is not None:
        retry(confirm_ids, confirm_token, delay)
    report.checked = len([c for c in probe if c.pk in held])
    report.deferred = len([c for c in deferred if c.pk in held])
    report.lost = len(ids) - len(held)
    report.results = {c.pk: c.status for c in probe if c.pk in held}
    report.seconds = time.monotonic() - started
    outcomes = " ".join(f"{k}={v}" for k, v in sorted(report.outcomes.items())) or "none"
    logger.info(
        "health batch (%s): %d checked, %d deferred by rate budget, %d lost lease; %s; %.2f s (%s)",
        trigger,
        report.checked,
        report.deferred,
        report.lost,
        outcomes,
        report.seconds,
        ", ".join(f"{k} {v:.2f}" for k, v in report.phases.items()),
    )
    return report
