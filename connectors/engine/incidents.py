"""Provider incidents: counting a provider and region's recent answers, opening and ending.

The rule itself is pure (`connectors.health.incidents`); this module gives it the counts.
A connection counts by its latest answer: checked within the window, and bad if that
answer was token-dead or it is failing or held. The counting queries run only for a
provider and region with a bad answer in the batch or an open incident, so a healthy
fleet pays one small query per batch (the open incidents).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from celery import current_app
from django.db import IntegrityError, transaction
from django.db import connection as db
from django.db.models import Count, Q
from django.utils import timezone

from connectors.engine import config
from connectors.health.incidents import FleetCounts, incident_holds, is_bad
from connectors.health.outcomes import Outcome, Status
from connectors.health.states import HELD
from connectors.models import Connection, Incident, Transition

logger = logging.getLogger("connectors.engine")

Key = tuple[str, str]  # (provider, region)
# Sent by name (connectors.notify.tasks), as the outbox does.
NOTIFY_TASK = "notify.incident_operators"


@dataclass(frozen=True)
class Answer:
    """One answer of this batch, as the incident rule reads it."""

    connection: Connection
    outcome: Outcome
    status_after: Status


def key_of(connection: Connection) -> Key:
    return connection.provider, connection.region


def _bad() -> Q:
    return Q(last_outcome=Outcome.TOKEN_DEAD.value) | Q(
        status__in=[Status.FAILING.value, Status.SUSPECT.value]
    )


def fleet_counts(*, key: Key, now: datetime, answers: list[Answer]) -> FleetCounts:
    """The provider and region's connections checked within the window, with this batch's
    answers in place of what the database holds for those rows."""
    provider, region = key
    since = now - config.incident_policy().window
    rows = Connection.objects.filter(
        provider=provider, region=region, last_checked_at__gte=since
    ).exclude(pk__in=[a.connection.pk for a in answers])
    totals = rows.aggregate(checked=Count("pk"), bad=Count("pk", filter=_bad()))
    teams = set(rows.filter(_bad()).values_list("team_id", flat=True).distinct())
    bad_here = [a for a in answers if is_bad(a.outcome, a.status_after)]
    teams |= {a.connection.team_id for a in bad_here}
    return FleetCounts(
        checked=int(totals["checked"] or 0) + len(answers),
        bad=int(totals["bad"] or 0) + len(bad_here),
        bad_teams=len(teams),
    )


def incidents_open() -> dict[Key, Incident]:
    return {(i.provider, i.region): i for i in Incident.objects.filter(ended_at__isnull=True)}


def incident_open_for(connection: Connection) -> bool:
    """Whether an incident is open for this connection's provider and region."""
    provider, region = key_of(connection)
    return Incident.objects.filter(provider=provider, region=region, ended_at__isnull=True).exists()


def _lock(key: Key) -> None:
    """Serialise, per provider and region, a declaration (which holds the window's
    revocations) with a batch's late look for one (`revocations_hold_late`), until the
    caller's transaction ends. Postgres only: SQLite lets one writer in at a time."""
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"incident:{key}"])


def _hold_recent_revocations(
    incident: Incident, *, now: datetime, ids: Sequence[int] | None = None
) -> int:
    """Revocations of the window just before the incident was seen are held as well.

    A fleet checked every few minutes shows an incident only once a fifth of it has
    answered; the first tokens confirmed dead meanwhile are the same incident's.
    `ids`: only these connections (a batch's own revocations, see below).
    """
    since = now - config.incident_policy().window
    rows = Connection.objects.filter(
        provider=incident.provider,
        region=incident.region,
        status=Status.REVOKED.value,
        status_since__gte=since,
        last_outcome=Outcome.TOKEN_DEAD.value,
    )
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    found = list(rows.only("pk", "team_id"))
    if not found:
        return 0
    policy = config.policy_for(None)
    Connection.objects.filter(pk__in=[r.pk for r in found], status=Status.REVOKED.value).update(
        status=Status.SUSPECT.value,
        status_since=now,
        status_reason=HELD,
        consecutive_successes=0,
        next_check_at=now + policy.base_backoff,
    )
    Transition.objects.bulk_create(
        [
            Transition(
                connection_id=r.pk,
                team_id=r.team_id,
                at=now,
                from_status=Status.REVOKED.value,
                to_status=Status.SUSPECT.value,
                reason=HELD,
            )
            for r in found
        ]
    )
    return len(found)


def revocations_hold_late(revoked: Iterable[Connection]) -> int:
    """Hold this batch's revocations if another worker declared their incident meanwhile.

    A batch judges incidents before it writes; a declaration by another worker in
    between looks for revocations that are not written yet (measured by
    bench/detection.py before this: 66 of 1,000 connections left revoked by a 10-minute
    incident, two workers). Under the same lock as the declaration, either it saw these
    rows, or this sees its incident.
    """
    grouped: dict[Key, list[int]] = {}
    for connection in revoked:
        grouped.setdefault(key_of(connection), []).append(connection.pk)
    held = 0
    for key, ids in grouped.items():
        with transaction.atomic():
            _lock(key)
            incident = Incident.objects.filter(
                provider=key[0], region=key[1], ended_at__isnull=True
            ).first()
            if incident is not None:
                held += _hold_recent_revocations(incident, now=timezone.now(), ids=ids)
    if held:
        logger.warning("provider incident: %d revocations held after their batch", held)
    return held


def _declare(key: Key, counts: FleetCounts, now: datetime) -> Incident | None:
    provider, region = key
    try:
        with transaction.atomic():
            _lock(key)
            incident = Incident.objects.create(
                provider=provider, region=region, started_at=now, checked=counts.checked,
                bad=counts.bad, teams=counts.bad_teams, peak_bad=counts.bad,
            )  # fmt: skip
            held = _hold_recent_revocations(incident, now=now)
    except IntegrityError:  # another worker declared it first
        return Incident.objects.filter(
            provider=provider, region=region, ended_at__isnull=True
        ).first()
    logger.warning(
        "provider incident: %s/%s, %d of %d connections bad across %d teams; %d revocations held",
        provider, region or "-", counts.bad, counts.checked, counts.bad_teams, held,
    )  # fmt: skip
    incident_id = incident.pk
    transaction.on_commit(lambda: _enqueue_notify(incident_id))
    return incident


def _enqueue_notify(incident_id: int) -> None:
    try:
        current_app.send_task(NOTIFY_TASK, args=(incident_id,))
    except Exception:  # the broker is down: the ops page still shows the incident
        logger.warning("could not enqueue the operators' notice of incident %s", incident_id)


def incidents_judge(*, answers: Iterable[Answer], now: datetime) -> set[Key]:
    """Open or end incidents for the provider and regions of these answers; answer the
    keys with an incident open now."""
    policy = config.incident_policy()
    grouped: dict[Key, list[Answer]] = {}
    for a in answers:
        grouped.setdefault(key_of(a.connection), []).append(a)
    current = incidents_open()
    opened: set[Key] = set()
    for key, group in grouped.items():
        incident = current.get(key)
        if incident is None and not any(is_bad(a.outcome, a.status_after) for a in group):
            continue
        counts = fleet_counts(key=key, now=now, answers=group)
        holds = incident_holds(counts, policy)
        if incident is None and holds:
            incident = _declare(key, counts, now)
        elif incident is not None and not holds:
            Incident.objects.filter(pk=incident.pk, ended_at__isnull=True).update(ended_at=now)
            logger.warning("provider incident over: %s/%s", key[0], key[1] or "-")
            incident = None
        elif incident is not None and counts.bad > incident.peak_bad:
            Incident.objects.filter(pk=incident.pk).update(peak_bad=counts.bad)
        if incident is not None:
            opened.add(key)
    return opened
