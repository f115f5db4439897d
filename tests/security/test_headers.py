"""Every HTML page carries the security headers, and nothing in it needs CSP exemptions;
session and CSRF cookies are Secure and HttpOnly in production mode."""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.admin import site as admin_site
from django.test import Client
from django.urls import reverse

from portal.models import User
from tests.security.conftest import World, fresh_login
from tests.security.routes import generic_values, kind_of, site_routes
from tests.support.production import production_env

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


class InlineFinder(HTMLParser):
    """Inline scripts, <style> blocks, style="" and on*="" attributes: CSP blocks them all."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self._in_script = True
        if tag == "style":
            self.problems.append("<style> block")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> handler")
            if name in {"href", "src", "action"} and (value or "").startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:>")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def assert_strict_headers(url: str, response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    script = directives.get("script-src", directives.get("default-src"))
    assert script, f"{url}: no script-src in CSP {csp!r}"
    assert "'unsafe-inline'" not in script, url
    assert "'unsafe-eval'" not in script, url
    assert "'unsafe-inline'" not in directives.get("style-src", []), url
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Referrer-Policy"), url
    framing = headers.get("X-Frame-Options") == "DENY" or directives.get("frame-ancestors") == [
        "'none'"
    ]
    assert framing, f"{url}: no frame protection"


def assert_no_inline_code(url: str, html: str) -> None:
    finder = InlineFinder()
    finder.feed(html)
    assert not finder.problems, f"{url}: {finder.problems[:5]}"


def _html_pages(client: Client, urls: list[str]) -> list[str]:
    seen = []
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        assert_strict_headers(url, response)
        assert_no_inline_code(url, response.content.decode())
        seen.append(url)
    return seen


def test_every_html_page_of_the_portal_is_strict(world: World) -> None:
    owner = world.team.memberships.get(role="owner").user
    owner.is_staff = True  # so /ops/ renders too
    owner.save()
    client = fresh_login(owner)
    urls = []
    for route in site_routes():
        if kind_of(route) in {"admin", "connect"}:
            continue
        urls.append(route.fill({**generic_values(route), **world.values}))
    urls += [f"/t/{world.team.slug}/?status=healthy", f"/invitations/{world.invitation.token}/"]
    seen = _html_pages(client, urls)
    # htmx fragments are HTML too.
    fragment = f"/t/{world.team.slug}/connections/{world.connection.pk}/check/status/"
    assert_strict_headers(fragment, client.get(fragment, headers={"HX-Request": "true"}))
    assert len(seen) > 30, seen
    # And the pages an anonymous visitor sees: sign-in, sign-up, password reset, errors.
    anonymous = _html_pages(
        Client(),
        ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/nope/"],
    )
    assert "/accounts/login/" in anonymous


def test_error_pages_are_strict_too(world: World, charlie: User) -> None:
    client = fresh_login(charlie)
    for url, status in ((f"/t/{world.team.slug}/", 404), ("/no/such/page/", 404)):
        response = client.get(url)
        assert response.status_code == status
        assert_strict_headers(url, response)
        assert_no_inline_code(url, response.content.decode())


def test_the_admin_sends_the_headers(world: World) -> None:
    superuser = User.objects.create_superuser(email="root@example.com", password="pw-0123456789")
    client = Client()
    client.force_login(superuser)
    urls = ["/admin/"]
    for model in admin_site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_headers(url, response)


PRODUCTION_SCRIPT = """
import json, django
django.setup()
from django.test import Client
from portal.models import User
from django.core.management import call_command
call_command("migrate", verbosity=0)
User.objects.create_user(email="prod@example.com", password="pw-prod-0123456789")
from allauth.account.models import EmailAddress
EmailAddress.objects.create(user=User.objects.get(), email="prod@example.com",
                            verified=True, primary=True)
client = Client(enforce_csrf_checks=True)
page = client.get("/accounts/login/", secure=True)
token = page.cookies["csrftoken"].value
answer = client.post("/accounts/login/", {"login": "prod@example.com",
    "password": "pw-prod-0123456789", "csrfmiddlewaretoken": token}, secure=True,
    headers={"Referer": "https://testserver/accounts/login/"})
out = {"status": answer.status_code, "cookies": {}}
for response in (page, answer):
    for name, morsel in response.cookies.items():
        out["cookies"][name] = {"secure": bool(morsel["secure"]),
                                "httponly": bool(morsel["httponly"]),
                                "samesite": morsel["samesite"]}
out["hsts"] = answer.headers.get("Strict-Transport-Security", "")
print(json.dumps(out))
"""


def test_session_and_csrf_cookies_are_secure_and_httponly_in_production(
    tmp_path: Path,
) -> None:
    env = production_env(tmp_path, host="testserver")
    done = subprocess.run(
        [sys.executable, "-c", PRODUCTION_SCRIPT],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 302, result
    cookies = result["cookies"]
    assert cookies["sessionid"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert cookies["csrftoken"]["secure"] is True
    assert cookies["csrftoken"]["httponly"] is True
    assert "max-age=31536000" in result["hsts"]
