"""Beat stopped: the ops dashboard and /metrics both show its last tick going stale."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
import pytest

from portal.models import Heartbeat
from tests.factories import UserFactory
from tests.resilience.conftest import Portal
from tests.resilience.stack import FAST, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.resilience]

AGE = re.compile(r"^portal_beat_tick_age_seconds ([0-9.e+]+)$", re.MULTILINE)


def _metric_age(url: str) -> float:
    answer = httpx.get(
        f"{url}/metrics",
        headers={"Authorization": f"Bearer {FAST['METRICS_TOKEN']}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    found = AGE.search(answer.text)
    assert found is not None, answer.text
    return float(found.group(1))


def _dashboard_beat(ops: httpx.Client) -> str:
    page = ops.get("/ops/")
    assert page.status_code == 200, page.text[:500]
    found = re.search(r"<dt>Last beat tick</dt>\s*<dd[^>]*>(.*?)</dd>", page.text, re.S)
    assert found is not None, page.text
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def test_with_beat_stopped_the_dashboard_and_metrics_show_its_last_tick_going_stale(
    portal: Callable[..., Portal],
) -> None:
    stack = portal()
    stack.worker_start()
    beat = stack.beat_start()
    wait_until(
        lambda: Heartbeat.objects.filter(beat_sent_at__isnull=False).exists(),
        timeout=30, what="beat's first heartbeat to be run by the worker", logs=stack.logs(),
    )  # fmt: skip
    ops = stack.signed_in(UserFactory(is_staff=True))

    assert _metric_age(stack.url) < 5
    assert "stale" not in _dashboard_beat(ops)

    beat.stop()
    time.sleep(6)  # several heartbeat intervals (1 s each) without a tick

    first = _metric_age(stack.url)
    assert first > 5
    time.sleep(1.5)
    assert _metric_age(stack.url) > first + 1  # the age keeps growing while beat is gone

    shown = _dashboard_beat(ops)
    assert "stale" in shown, shown
    assert "is celery beat running?" in shown, shown
    seconds = re.search(r"(\d+) s ago", shown)
    assert seconds is not None, shown
    assert int(seconds.group(1)) >= 5
