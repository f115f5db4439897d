"""Redis stopped while the web serves: pages render, /readyz names the broker, "Check now"
says checks are delayed, and when Redis returns every connection due meanwhile is checked."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from django.db.models import Min
from django.utils import timezone

from connectors.models import Check, Connection
from portal.models import Team, User
from tests.engine.conftest import link
from tests.resilience.conftest import Portal
from tests.resilience.stack import DISPATCH_SECONDS, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.resilience]

CONNECTIONS = 8
OUTAGE_SECONDS = 8.0
HX = {"HX-Request": "true"}


def test_with_redis_stopped_pages_render_readyz_names_the_broker_and_nothing_is_lost(
    portal: Callable[..., Portal], team: Team, bob: User, alice: User
) -> None:
    stack = portal()
    ids = {link(stack.sandbox, team, interval=1).connection.pk for _ in range(CONNECTIONS)}
    stack.worker_start()
    stack.beat_start()
    wait_until(
        lambda: Connection.objects.filter(pk__in=ids, status="healthy").count() == CONNECTIONS,
        timeout=40, what="a first healthy check of every connection", logs=stack.logs(),
    )  # fmt: skip
    bob_http = stack.signed_in(bob)
    staff = alice
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    ops_http = stack.signed_in(staff)
    one = min(ids)
    page = f"/t/{team.slug}/connections/{one}/"

    stack.redis_stop()
    down_at = timezone.now()

    login = httpx.get(f"{stack.url}/accounts/login/", timeout=15)
    assert login.status_code == 200
    assert "Sign in" in login.text
    for path in (f"/t/{team.slug}/", page):
        answer = bob_http.get(path)
        assert answer.status_code == 200, f"{path}: {answer.status_code}\n{answer.text[:800]}"
    assert ops_http.get("/ops/").status_code == 200  # operators need it most in an outage

    ready = httpx.get(f"{stack.url}/readyz", timeout=15)
    assert ready.status_code == 503
    assert ready.json()["database"] == "ok"
    assert ready.json()["broker"].startswith("error")
    assert ready.json()["failed"] == "broker"

    pressed = stack.csrf_post(bob_http, page, f"{page}check/", HX)
    assert pressed.status_code == 200, pressed.text[:800]
    assert "Checks are delayed" in pressed.text
    assert "task queue (the broker) is not reachable" in pressed.text
    # Without JavaScript the same press lands back on the page, which says the same.
    plain = stack.csrf_post(bob_http, page, f"{page}check/", {})
    assert plain.status_code == 302
    assert "Checks are delayed" in bob_http.get(page).text

    time.sleep(OUTAGE_SECONDS)  # every connection (1 s interval) comes due meanwhile
    due = set(
        Connection.objects.filter(pk__in=ids, next_check_at__lte=timezone.now()).values_list(
            "pk", flat=True
        )
    )
    assert due == ids

    stack.redis_start()
    back_at = timezone.now()
    deadline = back_at + timedelta(seconds=2 * DISPATCH_SECONDS)

    def all_checked_since_back() -> bool:
        latest = Check.objects.filter(connection_id__in=ids, checked_at__gte=back_at)
        return latest.values("connection_id").distinct().count() == CONNECTIONS

    wait_until(
        all_checked_since_back, timeout=30,
        what="every connection to be checked after Redis returned", logs=stack.logs(),
    )  # fmt: skip
    firsts = (
        Check.objects.filter(connection_id__in=ids, checked_at__gte=back_at)
        .values("connection_id")
        .annotate(first=Min("checked_at"))
    )
    late = {r["connection_id"]: r["first"] - back_at for r in firsts if r["first"] > deadline}
    assert not late, (
        f"checked later than two dispatch intervals after Redis returned (at {back_at}): "
        f"{late}\n{stack.logs()}"
    )
    assert not Check.objects.filter(
        connection_id__in=ids, checked_at__gt=down_at + timedelta(seconds=3), checked_at__lt=back_at
    ).exists()  # nothing ran during the outage: the catch-up above is the real recovery
    assert set(Connection.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "healthy"
    }
    assert httpx.get(f"{stack.url}/readyz", timeout=15).status_code == 200
