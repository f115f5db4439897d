"""Regenerate docs/screenshots/*.png, in one command:

    uv run python scripts/screenshots.py

With no --base-url it starts its own portal (`manage.py up` on a free port, in a
temporary var/ folder, so your own data is left alone), seeds the demo into it
(`manage.py seed_demo`), takes the screenshots and stops it again. With
--base-url http://127.0.0.1:8000 it uses a portal you run, seeded with the demo.

Drives Debian's Chromium (headless) through Playwright: signs in as the demo owner for
the team overview and a connection page, and as the demo operator for /ops/; then the
team overview again at phone size (390x844).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "demo-password-2026"  # printed by seed_demo; demo data only
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.allauth-form button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/login/" in page.url:
        sys.exit(f"Could not sign in as {email}: run `uv run manage.py seed_demo`.")


def shoot(page: Any, path: Path, *, full_page: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path), full_page=full_page)
    print(f"wrote {path}")


# The settings a shell may hold that would point the portal elsewhere than its own
# embedded, development defaults.
FOREIGN = (
    "DEBUG", "SITE_URL", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL",
    "SANDBOX_BASE_URL", "SANDBOX_ENABLED", "PORTAL_VAR_DIR", "DJANGO_SETTINGS_MODULE",
)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def own_portal() -> Iterator[str]:
    """`manage.py up` in a temporary var/ folder with the demo seeded; its base URL."""
    var = Path(tempfile.mkdtemp(prefix="portal-screenshots-"))
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
    env["PORTAL_VAR_DIR"] = str(var)
    port = _free_port()
    log = var / "up.log"
    with log.open("wb") as out:
        up = subprocess.Popen(
            [sys.executable, "manage.py", "up", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while "The portal is running at" not in log.read_text(errors="replace"):
            if up.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"`manage.py up` did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.5)
        print(f"portal running on port {port}; seeding the demo...")
        subprocess.run(
            [sys.executable, "manage.py", "seed_demo"],
            cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        yield f"http://localhost:{port}"
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGINT)
            try:
                up.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(up.pid, signal.SIGKILL)
                up.wait()
        shutil.rmtree(var, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="a running portal with the demo (default: start one)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=OUT, help="folder (default docs/screenshots)")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.base_url:
        shoot_all(args.base_url.rstrip("/"), args.chromium, out)
        return
    with own_portal() as base:
        shoot_all(base, args.chromium, out)


def shoot_all(base: str, chromium: str, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        owner = browser.new_context(viewport={"width": 1280, "height": 900})
        page = owner.new_page()
        sign_in(page, base, "owner@demo.example")
        page.goto(f"{base}/t/demo/")
        shoot(page, out / "team-overview.png")
        page.goto(f"{base}/t/demo/?status=revoked")
        page.locator(".connection-row a").first.click()
        page.wait_for_url("**/connections/*/")
        shoot(page, out / "connection.png")
        ops = browser.new_context(viewport={"width": 1280, "height": 900})
        page = ops.new_page()
        sign_in(page, base, "ops@demo.example")
        page.goto(f"{base}/ops/")
        shoot(page, out / "ops.png")
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        page = phone.new_page()
        sign_in(page, base, "owner@demo.example")
        page.goto(f"{base}/t/demo/")
        shoot(page, out / "team-overview-phone.png", full_page=False)  # one screenful
        browser.close()


if __name__ == "__main__":
    main()
