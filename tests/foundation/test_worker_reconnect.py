"""A worker whose broker went away retries at least every half dispatch interval."""

from __future__ import annotations

from typing import Any

from portal.celery import PromptConsumer, app


class _Conn:
    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}

    def ensure_connection(self, *args: Any, **kwargs: Any) -> _Conn:
        self.seen = kwargs
        return self


def test_the_worker_uses_the_prompt_consumer() -> None:
    assert app.conf.worker_consumer == "portal.celery:PromptConsumer"


def test_reconnect_backoff_is_capped_at_half_the_dispatch_interval(settings: Any) -> None:
    settings.HEALTH_DISPATCH_SECONDS = 30
    consumer = PromptConsumer.__new__(PromptConsumer)  # no worker: only the retry policy
    consumer.app = app
    consumer.first_connection_attempt = False
    consumer.broker_connection_retry_attempt = 0
    conn = _Conn()
    consumer.ensure_connected(conn)
    assert conn.seen["interval_max"] == 15
    assert conn.seen["interval_start"] == 0
