"""A Celery worker for the bench that counts its SQL queries (one file per process)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from celery.signals import task_postrun  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402

from portal.celery import app  # noqa: E402

OUT = Path(os.environ["BENCH_OUT"])
COUNT = [0]


def _count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    COUNT[0] += 1
    return execute(sql, params, many, context)


def _wrap(sender: Any, connection: Any, **_: Any) -> None:
    connection.execute_wrappers.append(_count)


connection_created.connect(_wrap)


@task_postrun.connect
def _report(**_: Any) -> None:
    (OUT / f"queries.{os.getpid()}").write_text(str(COUNT[0]))


if __name__ == "__main__":
    app.worker_main(sys.argv[1:])
