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
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

STOP_GRACE_SECONDS = 10.0


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

        env = os.environ.copy()
        env.setdefault("SITE_URL", f"http://localhost:{port}")
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
        self.stdout.write(
            self.style.SUCCESS(f"\nThe portal is running at {site_url}/\n")
            + "  - Sign up at /accounts/signup/; the verification code is printed here.\n"
            + "  - Operators: `DEBUG=true uv run manage.py createsuperuser` in another terminal.\n"
            + "  - Ready check: /readyz shows the database, broker and worker heartbeat.\n"
            + "  - Press Ctrl-C to stop web, worker and beat.\n"
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
