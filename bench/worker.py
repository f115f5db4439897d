"""A Celery worker for the bench that counts its SQL queries (one file per process).

HEALTH_* environment variables become settings of the same name, so the bench can set
batch size and concurrency for the workers it starts. A `ready` file appears in
BENCH_OUT once the worker consumes, so the bench starts its CPU clock after start-up.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from celery.signals import task_postrun, task_prerun, worker_ready  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402

from portal.celery import app  # noqa: E402

OUT = Path(os.environ["BENCH_OUT"])
COUNT = [0]
STARTED = [0.0]

for _name, _value in os.environ.items():
    if _name.startswith("HEALTH_"):
        setattr(settings, _name, float(_value))


def _count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    COUNT[0] += 1
    return execute(sql, params, many, context)


def _wrap(sender: Any, connection: Any, **_: Any) -> None:
    # Fired on every checkout from the connection pool (each task): wrap only once, or
    # each query would be counted once per task this process has run.
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)


connection_created.connect(_wrap)


@task_prerun.connect
def _started(**_: Any) -> None:
    STARTED[0] = time.time()


@task_postrun.connect
def _report(retval: Any = None, **_: Any) -> None:
    (OUT / f"queries.{os.getpid()}").write_text(str(COUNT[0]))
    with (OUT / f"tasks.{os.getpid()}").open("a") as spans:  # when each task ran
        phases = retval.get("phases", {}) if isinstance(retval, dict) else {}
        spans.write(f"{STARTED[0]:.3f} {time.time():.3f} {json.dumps(phases)}\n")


@worker_ready.connect
def _ready(**_: Any) -> None:
    (OUT / "ready").write_text(str(os.getpid()))


if __name__ == "__main__":
    app.worker_main(sys.argv[1:])
