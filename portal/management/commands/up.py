"""`manage.py up`: migrate, then run web, worker and beat together until Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

STOP_GRACE_SECONDS = 10.0


def development_settings(*, site_url: str) -> dict[str, str]:
    """The settings `up` runs with in development, for every other command to share."""
    return {
        "DEBUG": "true",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "SITE_URL": site_url,
        "SANDBOX_ENABLED": "true" if settings.SANDBOX_ENABLED else "false",
    }


def settings_write(path: Path, values: dict[str, str]) -> None:
    """Write `values` as a django-environ env file, readable by its owner only."""
    lines = [
        "# Written by `manage.py up` each time it starts: the development settings it runs",
        "# with, read by every manage.py command (the real environment wins; DEBUG=false",
        "# ignores this file). Delete it to forget them.",
    ]
    for name, value in values.items():
        if "'" in value or "\n" in value:
            raise CommandError(f"{name} holds a quote or a line break; set it another way.")
        lines.append(f"{name}='{value}'")
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(lines) + "\n")
    temporary.chmod(0o600)
    temporary.replace(path)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class Command(BaseCommand):
    help = "Run the whole portal locally: migrations, web server, Celery worker and beat."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="web port (default 8000)")
        parser.add_argument("--host", default="127.0.0.1", help="address to bind")
        parser.add_argument(
            "--concurrency", type=int, default=2, help="Celery worker processes (default 2)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if not 0 < port < 65536:
            raise CommandError(f"--port {port} is not a valid port number.")
        if not port_is_free(host, port):
            raise CommandError(
                f"Port {port} on {host} is already in use; stop what runs there "
                f"or pick another port with --port."
            )
        self.stdout.write("Applying database migrations...")
        call_command("migrate", interactive=False, verbosity=0)

        # What a previous run wrote is no instruction to this one: its port may differ.
        env = {k: v for k, v in os.environ.items() if k not in settings.DEV_SETTINGS_LOADED}
        env.setdefault("SITE_URL", f"http://localhost:{port}")
        if settings.DEBUG:
            dev = development_settings(site_url=env["SITE_URL"])
            env.update(dev)
            settings_write(settings.DEV_SETTINGS_FILE, dev)
        env["PYTHONUNBUFFERED"] = "1"
        children = self._start(env, host, port, options["concurrency"])
        stop_requested: list[int] = []

        def request_stop(signum: int, _frame: object) -> None:
            stop_requested.append(signum)

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

        exit_code = 0
        announced = False
        try:
            while not stop_requested:
                for name, proc in children.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with code {proc.returncode}; stopping.")
                        exit_code = 1
                        stop_requested.append(0)
                        break
                if not announced and not stop_requested and self._serving(host, port):
                    self._announce(env["SITE_URL"])
                    announced = True
                time.sleep(0.3)
        finally:
            self._stop(children)
        if exit_code:
            sys.exit(exit_code)
        self.stdout.write("Stopped web, worker and beat.")

    def _start(
        self, env: dict[str, str], host: str, port: int, concurrency: int
    ) -> dict[str, subprocess.Popen[bytes]]:
        python = sys.executable
        beat_schedule = str(settings.VAR_DIR / "celerybeat-schedule")
        commands = {
            # Threads let the portal call its own sandbox while serving a request.
            "web": [
                python, "-m", "gunicorn", "portal.wsgi:application",
                "--bind", f"{host}:{port}", "--workers", "2",
                "--worker-class", "gthread", "--threads", "8",
                "--graceful-timeout", "5", "--access-logfile", "-",
                "--logger-class", "portal.logs.RedactingAccessLogger",
            ],
            "worker": [
                python, "-m", "celery", "-A", "portal", "worker",
                "--loglevel", "INFO", "--concurrency", str(concurrency),
                "--without-gossip", "--without-mingle", "--hostname", "worker@%h",
                "-Q", "celery,priority",  # "priority": Check now (connectors/tasks.py)
            ],
            "beat": [
                python, "-m", "celery", "-A", "portal", "beat",
                "--loglevel", "INFO", "--schedule", beat_schedule,
            ],
        }  # fmt: skip
        cwd = str(settings.BASE_DIR)
        # Each child leads its own session, so Ctrl-C reaches only us and we stop them
        # in order, grandchildren (gunicorn and prefork workers) included.
        return {
            name: subprocess.Popen(command, env=env, cwd=cwd, start_new_session=True)
            for name, command in commands.items()
        }

    def _serving(self, host: str, port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def _announce(self, site_url: str) -> None:
        lines = [
            "Sign up at /accounts/signup/; the verification code is printed here.",
            "Operators: `uv run manage.py createsuperuser` in another terminal.",
        ]
        if settings.DEBUG:
            lines += [
                "Demo data: `uv run manage.py seed_demo` in another terminal.",
                f"Every manage.py command reads this run's settings from "
                f"{settings.DEV_SETTINGS_FILE}.",
            ]
        lines += [
            "Ready check: /readyz shows the database, broker and worker heartbeat.",
            "Press Ctrl-C to stop web, worker and beat.",
        ]
        self.stdout.write(
            self.style.SUCCESS(f"\nThe portal is running at {site_url}/\n")
            + "".join(f"  - {line}\n" for line in lines)
        )

    def _stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        # The leaders shut their own children down gracefully; the group is the backstop.
        for proc in children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in children.values():
            remaining = max(0.1, deadline - time.monotonic())
            try:
                proc.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                self._signal_group(proc, signal.SIGKILL)
                proc.wait()
            # Leftover grandchildren (a prefork pool child) go with their group.
            self._signal_group(proc, signal.SIGKILL)

    @staticmethod
    def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
