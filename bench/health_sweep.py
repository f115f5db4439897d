"""Benchmark: sweep N connections through the real dispatcher and Celery workers.

    uv run python bench/health_sweep.py --n 10000 --latency-ms 200 --concurrency 200

Needs Postgres (database `portal_engine_bench`, created if missing) and Redis (db 6).
See docs/engine.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def me_body(id_code: str) -> bytes:
    body = {
        "type": "admin",
        "id": "1",
        "email": "a@b.c",
        "name": "A",
        "app": {"type": "app", "id_code": id_code, "name": "Bench", "region": "US"},
    }
    return json.dumps(body).encode()  # fmt: skip


def fake_me(port: int, latency: float) -> None:
    """A tiny keep-alive HTTP/1.1 server: every request gets /me's 200 after `latency`."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    break
                # The token is "bench-<i>", the workspace "w<i>": every answer is a match.
                auth = head.split(b"Bearer bench-", 1)[-1].split(b"\r\n", 1)[0].decode()
                body = me_body(f"w{auth}")
                await asyncio.sleep(latency)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)  # fmt: skip
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--db", default="portal_engine_bench")
    parser.add_argument("--history-sample", type=int, default=20)
    args = parser.parse_args()

    os.environ.update({
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
        "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "true", "SANDBOX_ENABLED": "true",
        "SANDBOX_BASE_URL": f"http://127.0.0.1:{args.port}",
        "HEALTH_CONCURRENCY": str(max(1, args.concurrency // args.workers)),
        "HEALTH_PER_HOST": str(max(1, args.concurrency // args.workers)),
        "HEALTH_BATCH_SIZE": "200", "LOG_LEVEL": "WARNING",
    })  # fmt: skip
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname=%s", (args.db,)).fetchone():
            c.execute(f'CREATE DATABASE "{args.db}"')
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    for name, value in (("HEALTH_CONCURRENCY", os.environ["HEALTH_CONCURRENCY"]),
                        ("HEALTH_PER_HOST", os.environ["HEALTH_PER_HOST"])):  # fmt: skip
        setattr(settings, name, int(value))
    call_command("migrate", verbosity=0)
    from connectors.engine.dispatch import due_checks_dispatch
    from connectors.models import App, Check, Connection
    from connectors.secrets import Secret
    from portal.models import Team

    # --- seed ----------------------------------------------------------------------
    with connection.cursor() as cur:
        cur.execute("TRUNCATE connectors_check, connectors_transition, connectors_checkdaily, "
                    "connectors_fleetrollup, connectors_connection, connectors_app CASCADE")  # fmt: skip
    cache.clear()
    team, _ = Team.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    per_app = 100  # each app stays inside its 10% rate budget, like many teams' apps
    apps = [App(team=team, provider="intercom", name=f"bench {i}", region="sandbox",
                client_id=f"bench-{i}", check_interval_seconds=300)
            for i in range((args.n + per_app - 1) // per_app)]  # fmt: skip
    App.objects.bulk_create(apps)
    field = Connection._meta.get_field("access_token")
    now = datetime.now(UTC)
    t0 = time.monotonic()
    with (
        connection.cursor() as cur,
        cur.connection.cursor().copy(
            "COPY connectors_connection (team_id, app_id, provider, external_id, workspace_name, "
            "region, access_token, status, next_check_at, consecutive_failures, consecutive_successes,"
            " pending_confirmation, refresh_failures, lease_token, status_reason, last_outcome, "
            "last_error, admin_id, admin_name, admin_email, created_at, updated_at) FROM STDIN"
        ) as copy,
    ):
        for i in range(args.n):
            token = field.get_db_prep_value(Secret(f"bench-{i}"), connection)
            copy.write_row((team.pk, apps[i // per_app].pk, "intercom", f"w{i}", f"w{i}", "us",
                            token, "healthy", now, 0, 0, False, 0, "", "", "", "", "", "", "",
                            now, now))  # fmt: skip
    connection.commit() if not connection.get_autocommit() else None
    print(f"seeded {args.n} connections with COPY in {time.monotonic() - t0:.1f} s")

    # --- sweep -----------------------------------------------------------------------
    server = multiprocessing.Process(target=fake_me, args=(args.port, args.latency_ms / 1000))
    server.start()
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {**os.environ, "BENCH_OUT": str(out)}
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "worker.py"), "worker", "--concurrency",
         str(args.workers), "-Q", "celery,priority", "--without-gossip", "--without-mingle",
         "--loglevel", "WARNING", "--prefetch-multiplier", "1"],
        env=env, cwd=str(ROOT),
    )  # fmt: skip
    import psutil

    time.sleep(4)  # let the worker boot before timing
    proc = psutil.Process(worker.pid)
    children = proc.children(recursive=True)
    cpu0 = sum(p.cpu_times().user + p.cpu_times().system for p in [proc, *children])
    from connectors.tasks import _enqueue_batch

    dispatch_queries = [0]

    def counting(execute, sql, params, many, ctx):  # type: ignore[no-untyped-def]
        dispatch_queries[0] += 1
        return execute(sql, params, many, ctx)

    start = time.monotonic()
    with connection.execute_wrapper(counting):
        due_checks_dispatch(enqueue=_enqueue_batch, max_chunks=1000)
    while Check.objects.count() < args.n and time.monotonic() - start < 600:
        time.sleep(0.05)
    sweep = time.monotonic() - start
    cpu1 = sum(p.cpu_times().user + p.cpu_times().system for p in [proc, *children])
    time.sleep(0.5)
    worker_queries = sum(int(f.read_text()) for f in out.glob("queries.*"))
    worker.terminate()
    worker.wait(20)
    server.terminate()
    checked = Check.objects.count()
    bound = args.n * (args.latency_ms / 1000) / args.concurrency
    print(f"checks: {checked} of {args.n}")
    print(f"sweep time: {sweep:.2f} s")
    print(f"checks/s: {checked / sweep:.0f}")
    print(f"worker CPU s per 1,000 checks: {(cpu1 - cpu0) / checked * 1000:.3f}")
    print(f"SQL queries per check: {(worker_queries + dispatch_queries[0]) / checked:.4f} "
          f"(worker {worker_queries}, dispatcher {dispatch_queries[0]})")  # fmt: skip
    print(f"latency bound N*latency/concurrency: {bound:.2f} s; actual/bound: {sweep / bound:.2f}")
    history(args.history_sample, now)


def history(sample: int, now: datetime) -> None:
    """90 days of checks every 5 minutes for `sample` connections, with nightly rollups."""
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
    with connection.cursor() as cur:
        cur.execute("VACUUM FULL connectors_check, connectors_checkdaily, connectors_fleetrollup, "
                    "connectors_transition") if connection.get_autocommit() else None  # fmt: skip
        sizes = {}
        for table in ("connectors_check", "connectors_checkdaily", "connectors_fleetrollup",
                      "connectors_transition"):  # fmt: skip
            cur.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}")
            sizes[table] = cur.fetchone()
    rows = sum(r for r, _ in sizes.values()) / len(ids)
    size = sum(b for _, b in sizes.values()) / len(ids)
    detail = ", ".join(f"{t.split('_')[1]} {r / len(ids):.0f}" for t, (r, _) in sizes.items())
    print(f"history per connection after 90 days at 5-minute checks: {rows:.0f} rows "
          f"({detail}), {size / 1024:.0f} KiB incl. indexes")  # fmt: skip


if __name__ == "__main__":
    main()
