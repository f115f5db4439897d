"""Regenerate docs/screenshots/*.png from a running portal with the seeded demo.

    DEBUG=true uv run manage.py seed_demo
    DEBUG=true uv run manage.py up            # or runserver; in another terminal:
    uv run python scripts/screenshots.py --base-url http://127.0.0.1:8000

Drives Debian's Chromium (headless) through Playwright: signs in as the demo owner for
the team overview and a connection page, and as the demo operator for /ops/; then the
team overview again at phone size (390x844).
"""

from __future__ import annotations

import argparse
import sys
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
        sys.exit(f"Could not sign in as {email}: run `DEBUG=true uv run manage.py seed_demo`.")


def shoot(page: Any, name: str, *, full_page: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    path = OUT / name
    page.screenshot(path=str(path), full_page=full_page)
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        owner = browser.new_context(viewport={"width": 1280, "height": 900})
        page = owner.new_page()
        sign_in(page, base, "owner@demo.example")
        page.goto(f"{base}/t/demo/")
        shoot(page, "team-overview.png")
        page.goto(f"{base}/t/demo/?status=revoked")
        page.locator(".connection-row a").first.click()
        page.wait_for_url("**/connections/*/")
        shoot(page, "connection.png")
        ops = browser.new_context(viewport={"width": 1280, "height": 900})
        page = ops.new_page()
        sign_in(page, base, "ops@demo.example")
        page.goto(f"{base}/ops/")
        shoot(page, "ops.png")
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        page = phone.new_page()
        sign_in(page, base, "owner@demo.example")
        page.goto(f"{base}/t/demo/")
        shoot(page, "team-overview-phone.png", full_page=False)  # one screenful
        browser.close()


if __name__ == "__main__":
    main()
