"""Regenerate docs/screenshots/*.png, in one command:

    uv run python scripts/screenshots.py

With no --base-url it starts its own portal (`manage.py up` on a free port, in a
temporary var/ folder, so your own data is left alone), seeds the demo into it
(`manage.py seed_demo`), takes the screenshots and stops it again. With
--base-url http://127.0.0.1:8000 it uses a portal you run, seeded with the demo.

Drives Debian's Chromium (headless) through Playwright: signs in as the demo owner for
the team overview and a revoked connection's page (with its next re-check), and as the
demo operator for /ops/; then the team overview again at phone size (390x844).

Then a provider incident, made for real: the sandbox answers every /me with the provider's
401 (`_control/sandbox` mode "401"), `manage.py check_connections --sync` checks the
fleet twice, and the engine itself declares the incident and holds the revocations as
suspect. It shoots /ops/ and a suspect connection's page, then turns the sandbox back to
normal and checks the fleet again, so a portal of yours recovers by itself.
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

import httpx
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


def sandbox_mode(page: Any, base: str, mode: str) -> None:
    """The sandbox-wide mode (every workspace's /me), over HTTP like any client. The
    sandbox is where the signed-in page's "Sandbox" link points."""
    root = page.get_attribute("a:text-is('Sandbox')", "href")
    if not root:
        sys.exit("No Sandbox link on the page: is the sandbox enabled (SANDBOX_ENABLED)?")
    answer = httpx.post(f"{base}{root.rstrip('/')}/_control/sandbox", json={"mode": mode},
                        timeout=30)  # fmt: skip
    if answer.status_code != 200:
        sys.exit(f"The sandbox refused mode {mode!r}: {answer.status_code} {answer.text[:200]}")


def check_fleet(env: dict[str, str], times: int) -> None:
    """Check every connection now, in this process, as an operator would."""
    for _ in range(times):
        subprocess.run(
            [sys.executable, "manage.py", "check_connections", "--sync"],
            cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def own_portal() -> Iterator[tuple[str, dict[str, str]]]:
    """`manage.py up` in a temporary var/ folder with the demo seeded; its base URL and
    the environment its manage.py commands need."""
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
        yield f"http://localhost:{port}", env
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
        shoot_all(args.base_url.rstrip("/"), dict(os.environ), args.chromium, out)
        return
    with own_portal() as (base, env):
        shoot_all(base, env, args.chromium, out)


def shoot_all(base: str, env: dict[str, str], chromium: str, out: Path) -> None:
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
        shoot_incident(base, env, ops.new_page(), owner.new_page(), out)
        browser.close()


def shoot_incident(base: str, env: dict[str, str], ops: Any, owner: Any, out: Path) -> None:
    ops.goto(f"{base}/ops/")
    sandbox_mode(ops, base, "401")
    try:
        check_fleet(env, times=2)  # a dead answer, then its confirmation: held, not revoked
        ops.goto(f"{base}/ops/")
        if "Provider incident" not in ops.content():
            sys.exit("The engine declared no incident; see the portal's log.")
        shoot(ops, out / "ops-incident.png")
        owner.goto(f"{base}/t/demo/?status=suspect")
        owner.locator(".connection-row a").first.click()
        owner.wait_for_url("**/connections/*/")
        shoot(owner, out / "connection-suspect.png")
    finally:
        sandbox_mode(ops, base, "ok")
        check_fleet(env, times=2)  # two good answers: every held connection recovers


if __name__ == "__main__":
    main()
