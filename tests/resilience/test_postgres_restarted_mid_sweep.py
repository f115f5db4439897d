"""Postgres restarted mid-sweep (the suite's own cluster): workers and web recover without
a restart of their own, and no check result is half-written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.resilience.stack import (
    FAST,
    ROOT,
    PgCluster,
    Stack,
    beat_start,
    free_port,
    gunicorn_start,
    pg_cluster_create,
    portal_env,
    redis_start,
    wait_until,
    worker_start,
)

pytestmark = [pytest.mark.slow, pytest.mark.resilience]

CONNECTIONS = 40


@pytest.fixture
def cluster() -> Iterator[PgCluster]:
    cluster = pg_cluster_create()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.folder, ignore_errors=True)


def _sql(cluster: PgCluster, query: str, *params: Any) -> list[tuple[Any, ...]]:
    dsn = cluster.url.replace("postgres://", "postgresql://")
    with psycopg.connect(dsn, connect_timeout=3) as db:
        return db.execute(query, params or None).fetchall()  # type: ignore[arg-type]


def _count(cluster: PgCluster, query: str, *params: Any) -> int:
    try:
        return int(_sql(cluster, query, *params)[0][0])
    except psycopg.OperationalError:
        return -1


def _run(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, f"{args}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"


def test_after_a_postgres_restart_mid_sweep_workers_and_web_recover_and_nothing_is_half_written(
    cluster: PgCluster, tmp_path: Path
) -> None:
    with psycopg.connect(
        f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres", autocommit=True
    ) as db:
        db.execute("CREATE DATABASE portal")
    stack = Stack(tmp_path)
    try:
        redis_port, web_port = free_port(), free_port()
        redis_start(stack, redis_port)
        url = f"http://127.0.0.1:{web_port}"
        env = portal_env(
            database_url=cluster.url, redis_url=f"redis://127.0.0.1:{redis_port}/0",
            site_url=url, extra=FAST,
        )  # fmt: skip
        _run(env, "manage.py", "migrate", "--noinput", "-v", "0")
        _run(env, "-m", "tests.resilience.seed_pg", str(CONNECTIONS))
        web = gunicorn_start(stack, env, web_port)
        worker = worker_start(stack, env, "w1")
        beat_start(stack, env)
        wait_until(
            lambda: _count(cluster, "SELECT count(*) FROM connectors_check") >= CONNECTIONS,
            timeout=40, what="the first sweep", logs=stack.logs(),
        )  # fmt: skip
        pids = (web.process.pid, worker.process.pid)  # type: ignore[union-attr]
        control = f"{url}/sandbox/intercom/_control/workspaces/acme0us1"
        calls = httpx.post(control, json={"latency_ms": 1500}, timeout=10).json()["me_calls"]
        wait_until(
            lambda: httpx.get(control, timeout=10).json()["me_calls"] > calls + 5,
            timeout=20, what="a batch to be in flight", logs=stack.logs(),
        )  # fmt: skip

        cluster.restart()  # every connection of every process is cut mid-sweep
        back = datetime.now(UTC)
        httpx.post(control, json={"latency_ms": 0}, timeout=30)

        def ready() -> bool:
            try:
                return httpx.get(f"{url}/readyz", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, timeout=30, what="/readyz to be 200 again", logs=stack.logs())
        assert httpx.get(f"{url}/accounts/login/", timeout=10).status_code == 200
        wait_until(
            lambda: _count(
                cluster,
                "SELECT count(DISTINCT connection_id) FROM connectors_check WHERE checked_at > %s",
                back,
            ) == CONNECTIONS,
            timeout=40, what="every connection to be checked after the restart",
            logs=stack.logs() + cluster.log_text(),
        )  # fmt: skip
        assert web.alive
        assert worker.alive
        assert (web.process.pid, worker.process.pid) == pids  # type: ignore[union-attr]
        for proc in reversed(stack.procs):  # quiesce before reading the final state
            proc.kill()

        # Every connection's last check is the newest Check row written for it, and no
        # check row lacks its connection's update (or the other way round).
        mismatched = _sql(
            cluster,
            "SELECT c.id, c.last_checked_at, c.last_outcome, k.checked_at, k.outcome "
            "FROM connectors_connection c LEFT JOIN LATERAL (SELECT checked_at, outcome "
            "FROM connectors_check WHERE connection_id = c.id ORDER BY checked_at DESC "
            "LIMIT 1) k ON true WHERE c.last_checked_at IS DISTINCT FROM k.checked_at "
            "OR c.last_outcome IS DISTINCT FROM k.outcome",
        )
        assert not mismatched, mismatched
    finally:
        stack.stop_all()
