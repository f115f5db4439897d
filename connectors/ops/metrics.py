"""/metrics in Prometheus text format, read from the database at scrape time.

Workers write their results to the database, so a collector that reads it there counts
every worker's checks without multiprocess files. The endpoint is disabled (404) unless
METRICS_TOKEN is set, and asks for `Authorization: Bearer <METRICS_TOKEN>` (401 if not).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry

from connectors.health.outcomes import ACTIVE, Outcome, Status
from connectors.models import Check, Connection, FleetRollup
from connectors.tally import fleet_counts
from portal.services.heartbeat import heartbeat_get

LATENCY_BUCKETS_MS = (50, 100, 200, 300, 500, 1000, 2000, 5000, 10000)
LATENCY_WINDOW = timedelta(minutes=15)


class PortalCollector(Collector):
    """Gauges and counters computed with a handful of aggregate queries per scrape."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        by = GaugeMetricFamily(
            "portal_connections",
            "Connections by status, provider and region.",
            labels=["status", "provider", "region"],
        )
        seen = set()
        for status, provider, region, count in fleet_counts():  # the tally: no table scan
            by.add_metric([status, provider, region or ""], count)
            seen.add(status)
        for status in Status:
            if status.value not in seen:  # every status present, so alerts can use == 0
                by.add_metric([status.value, "", ""], 0)
        yield by

        # A counter must not go down, and raw checks are pruned: the rollups hold every
        # check counted so far (for the retention window), so sum those.
        outcomes = CounterMetricFamily(
            "portal_checks", "Checks by outcome (from the fleet rollups).", labels=["outcome"]
        )
        sums = FleetRollup.objects.aggregate(**{o.value: Sum(o.value) for o in Outcome})
        for outcome in Outcome:
            outcomes.add_metric([outcome.value], float(sums[outcome.value] or 0))
        yield outcomes

        yield self._latency(now)

        active = Connection.objects.filter(status__in=ACTIVE)
        due = active.filter(next_check_at__lt=now).aggregate(
            oldest=Min("next_check_at"), n=Count("id")
        )
        lag = (now - due["oldest"]).total_seconds() if due["oldest"] else 0.0
        yield GaugeMetricFamily(
            "portal_dispatch_lag_seconds", "How late the most overdue check is.", value=lag
        )
        yield GaugeMetricFamily(
            "portal_checks_overdue", "Active connections whose check is overdue.", value=due["n"]
        )
        beat = heartbeat_get()
        for name, moment, text in (
            ("portal_beat_tick_age_seconds", beat.beat_sent_at, "Age of the last beat tick."),
            ("portal_worker_heartbeat_age_seconds", beat.worker_ran_at, "Age of the last "
             "worker heartbeat."),
        ):  # fmt: skip
            # No heartbeat ever: report +Inf so "age > X" alerts fire.
            # Clamped: a tick stamped after `now` was read (mid-scrape) is simply fresh.
            age = max((now - moment).total_seconds(), 0.0) if moment else float("inf")
            yield GaugeMetricFamily(name, text, value=age)

    def _latency(self, now: datetime) -> Metric:
        """A histogram of the last 15 minutes' check latencies, bucketed by the database."""
        recent = Check.objects.filter(checked_at__gte=now - LATENCY_WINDOW).exclude(
            latency_ms__isnull=True
        )
        agg = recent.aggregate(
            total=Count("id"),
            sum=Sum("latency_ms"),
            top=Max("latency_ms"),
            **{f"le{b}": Count("id", filter=Q(latency_ms__lte=b)) for b in LATENCY_BUCKETS_MS},
        )
        buckets = [(str(b / 1000), float(agg[f"le{b}"])) for b in LATENCY_BUCKETS_MS]
        buckets.append(("+Inf", float(agg["total"])))
        return HistogramMetricFamily(
            "portal_check_latency_seconds",
            "Latency of the checks of the last 15 minutes.",
            buckets=buckets,
            sum_value=(agg["sum"] or 0) / 1000,
        )


def _authorised(request: HttpRequest, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    given_bytes = given.strip().encode("utf-8", "surrogateescape")
    return scheme.lower() == "bearer" and hmac.compare_digest(given_bytes, token.encode())


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("Metrics are disabled: set METRICS_TOKEN to enable /metrics.")
    if not _authorised(request, token):
        response = HttpResponse(
            "Send the METRICS_TOKEN as 'Authorization: Bearer <token>'.\n",
            status=401,
            content_type="text/plain",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PortalCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
