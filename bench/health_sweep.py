"""Benchmark: sweep N connections through the real dispatcher and Celery workers.

    uv run python bench/health_sweep.py --n 10000 --latency-ms 200 --concurrency 200

Needs Postgres (database `--db`, created if missing) and Redis (`BENCH_REDIS_URL`,
default db 6). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PER_APP = 100  # connections per app: each app stays far inside its rate budget


def sandbox_provider_key() -> str:
    """The bench's provider: the registered one with a sandbox (benches name none)."""
    from connectors.providers import provider_all

    return next(provider.key for provider in provider_all() if provider.sandbox_urls)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=200, help="probes in flight, all")
    parser.add_argument("--workers", type=int, default=4, help="worker processes")
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--db", default="portal_engine_bench")
    parser.add_argument("--history-sample", type=int, default=20, help="0: skip history")
    return parser.parse_args()


def configure(args: argparse.Namespace) -> None:
    per_worker = str(max(1, args.concurrency // args.workers))
    os.environ.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db}",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "true",
            "SANDBOX_ENABLED": "true",
            "SANDBOX_BASE_URL": f"http://127.0.0.1:{args.port}",
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            # Read by bench/worker.py into settings; the dispatcher reads them below.
            "HEALTH_CONCURRENCY": per_worker,
            "HEALTH_PER_HOST": per_worker,
            "HEALTH_BATCH_SIZE": str(args.batch_size),
        }
    )
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname=%s", (args.db,)).fetchone():
            c.execute(f'CREATE DATABASE "{args.db}"')
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    for name in ("HEALTH_CONCURRENCY", "HEALTH_PER_HOST", "HEALTH_BATCH_SIZE"):
        setattr(settings, name, int(os.environ[name]))
    call_command("migrate", verbosity=0)


def seed(n: int, now: datetime) -> None:
    """N healthy, due connections in apps of PER_APP, written with COPY."""
    provider_key = sandbox_provider_key()
    from django.core.cache import cache
    from django.db import connection

    from connectors.models import App, Connection
    from portal.models import Team
    from portal.secrets import Secret

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE connectors_check, connectors_transition, connectors_checkdaily, "
            "connectors_fleetrollup, connectors_connection, connectors_app, "
            "connectors_teamtally, connectors_teamtallydelta, connectors_fleettally, "
            "connectors_fleettallydelta CASCADE"
        )
    cache.clear()
    team, _ = Team.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    apps = [
        App(team=team, provider=provider_key, name=f"bench {i}", region="sandbox",
            client_id=f"bench-{i}", check_interval_seconds=300)
        for i in range((n + PER_APP - 1) // PER_APP)
    ]  # fmt: skip
    App.objects.bulk_create(apps)
    field = Connection._meta.get_field("access_token")
    columns = (
        "team_id, app_id, provider, external_id, workspace_name, region, access_token, "
        "status, next_check_at, consecutive_failures, consecutive_successes, "
        "pending_confirmation, refresh_failures, lease_token, status_reason, last_outcome, "
        "last_error, admin_id, admin_name, admin_email, created_at, updated_at"
    )
    started = time.monotonic()
    with (
        connection.cursor() as cur,
        cur.connection.cursor().copy(f"COPY connectors_connection ({columns}) FROM STDIN") as copy,
    ):
        for i in range(n):
            token = field.get_db_prep_value(Secret(f"bench-{i}"), connection)
            copy.write_row((team.pk, apps[i // PER_APP].pk, provider_key, f"w{i}", f"w{i}", "us",
                            token, "healthy", now, 0, 0, False, 0, "", "", "", "", "", "", "",
                            now, now))  # fmt: skip
    print(f"seeded {n} connections with COPY in {time.monotonic() - started:.1f} s")


def wait_for(check: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.05)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def cpu_seconds(processes: dict[int, Any]) -> float:
    total = 0.0
    for proc in processes.values():
        with contextlib.suppress(Exception):  # a finished process has nothing more to add
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def task_spans(out: Path, wall_start: float) -> list[str]:
    """Per worker process: tasks, when they ran (s after dispatch), busy share, phases."""
    lines = []
    for path in sorted(out.glob("tasks.*")):
        rows = [line.split(" ", 2) for line in path.read_text().splitlines()]
        spans = [(float(a), float(b)) for a, b, _ in rows]
        phases: dict[str, float] = {}
        for _, _, text in rows:
            for name, seconds in json.loads(text).items():
                phases[name] = phases.get(name, 0.0) + seconds
        first, last = spans[0][0] - wall_start, spans[-1][1] - wall_start
        busy = sum(end - begin for begin, end in spans)
        split = ", ".join(f"{k} {v:.2f}" for k, v in phases.items())
        lines.append(f"  {len(spans)} tasks from {first:.2f} to {last:.2f} s, "
                     f"busy {busy / max(last - first, 1e-9):.0%}; {split}")  # fmt: skip
    return lines


def sweep(args: argparse.Namespace) -> None:
    import psutil
    from django.db import connection

    from connectors.engine.dispatch import due_checks_dispatch
    from connectors.models import Check
    from connectors.tasks import _enqueue_batch

    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "support" / "fake_me.py"), "--port", str(args.port),
         "--latency-ms", str(args.latency_ms)]
    )  # fmt: skip
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "worker.py"), "worker", "--concurrency",
         str(args.workers), "-Q", "celery,priority", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel", "WARNING", "--prefetch-multiplier", "1"],
        env={**os.environ, "BENCH_OUT": str(out)}, cwd=str(ROOT),
    )  # fmt: skip
    try:
        wait_for(lambda: port_open(args.port), "the fake /me server")
        wait_for((out / "ready").exists, "the worker to start")
        time.sleep(1)  # the pool's children finish booting: start-up is not sweep work
        root = psutil.Process(worker.pid)
        procs = {p.pid: p for p in [root, *root.children(recursive=True)]}
        cpu0 = cpu_seconds(procs)
        dispatch_queries = [0]

        def counting(execute, sql, params, many, ctx):  # type: ignore[no-untyped-def]
            dispatch_queries[0] += 1
            return execute(sql, params, many, ctx)

        start, wall_start = time.monotonic(), time.time()
        with connection.execute_wrapper(counting):
            due_checks_dispatch(enqueue=_enqueue_batch, max_chunks=1000)
        while Check.objects.count() < args.n and time.monotonic() - start < 600:
            time.sleep(0.05)
        elapsed = time.monotonic() - start
        procs.update({p.pid: p for p in root.children(recursive=True)})
        cpu1 = cpu_seconds(procs)
        time.sleep(0.5)  # the last task's query count lands after its commit
        worker_queries = sum(int(f.read_text()) for f in out.glob("queries.*"))
        busy = task_spans(out, wall_start)
    finally:
        worker.terminate()
        worker.wait(20)
        server.terminate()
        server.wait(5)
    checked = Check.objects.count()
    bound = args.n * (args.latency_ms / 1000) / args.concurrency
    queries = worker_queries + dispatch_queries[0]
    per_worker = args.concurrency // args.workers
    print(f"checks: {checked} of {args.n} ({args.workers} worker processes x {per_worker} "
          f"probes in flight, batches of {args.batch_size})")  # fmt: skip
    print(f"sweep time: {elapsed:.2f} s")
    print(f"checks/s: {checked / elapsed:.0f}")
    print(f"worker CPU s per 1,000 checks: {(cpu1 - cpu0) / checked * 1000:.3f}")
    print(f"SQL queries per check: {queries / checked:.4f} "
          f"(worker {worker_queries}, dispatcher {dispatch_queries[0]})")  # fmt: skip
    print("worker processes (seconds summed per phase):", *busy, sep="\n")
    print(
        f"latency bound N*latency/concurrency: {bound:.2f} s; actual/bound: {elapsed / bound:.2f}"
    )


def history(sample: int, n: int, now: datetime) -> None:
    """90 days of checks every 5 minutes for `sample` connections, with nightly rollups.

    Raw checks, daily rollups and transitions belong to one connection each, so they are
    counted per sampled connection. Fleet rollups belong to a (provider, region) bucket
    whatever its size; here the whole fleet of `n` shares one, so they are `n`'s.
    """
    from django.db import connection

    from connectors.engine.rollups import fleet_rollup, nightly
    from connectors.models import Check, Connection

    ids = list(Connection.objects.order_by("pk").values_list("pk", flat=True)[:sample])
    Connection.objects.exclude(pk__in=ids).delete()
    Check.objects.all().delete()
    day0 = (now - timedelta(days=90)).replace(hour=0, minute=0, second=0, microsecond=0)
    for day in range(90):
        start = day0 + timedelta(days=day)
        with (
            connection.cursor() as cur,
            cur.connection.cursor().copy(
                "COPY connectors_check (connection_id, checked_at, outcome, status_after, "
                "http_status, latency_ms, detail, trigger) FROM STDIN"
            ) as copy,
        ):
            for slot in range(288):
                at = start + timedelta(minutes=5 * slot)
                for pk in ids:
                    copy.write_row(
                        (pk, at, "ok", "healthy", 200, 180 + slot % 40, "HTTP 200", "schedule")
                    )
        fleet_rollup(since=start, until=start + timedelta(days=1) - timedelta(minutes=5))
        nightly(now=start + timedelta(days=1, hours=3))
    tables = ["check", "checkdaily", "transition", "fleetrollup"]
    sizes: dict[str, tuple[int, int]] = {}
    with connection.cursor() as cur:
        for table in tables:
            name = f"connectors_{table}"
            if connection.get_autocommit():
                cur.execute(f"VACUUM FULL {name}")
            cur.execute(f"SELECT count(*), pg_total_relation_size('{name}') FROM {name}")
            count, size = cur.fetchone()
            sizes[table] = (count, size)
    owners = {t: n if t == "fleetrollup" else len(ids) for t in tables}
    per = {t: (r / owners[t], b / owners[t]) for t, (r, b) in sizes.items()}
    rows = sum(r for r, _ in per.values())
    size = sum(b for _, b in per.values())
    detail = ", ".join(f"{t} {per[t][0]:.1f}" for t in tables)
    print(f"history per connection after 90 days at 5-minute checks: {rows:.0f} rows "
          f"({detail}; fleet rollups are {sizes['fleetrollup'][0]} rows per (provider, region), "
          f"shared by {n}), {size / 1024:.0f} KiB incl. indexes")  # fmt: skip


def main() -> None:
    args = parse()
    configure(args)
    now = datetime.now(UTC)
    seed(args.n, now)
    sweep(args)
    if args.history_sample:
        history(args.history_sample, args.n, now)


if __name__ == "__main__":
    main()
