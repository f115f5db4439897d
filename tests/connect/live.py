"""Drive the portal and its sandbox Intercom over real HTTP, like a browser would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from django.test import Client

from connectors.models import App
from connectors.providers.intercom.sandbox.services import sandbox_app_create
from portal.models import Team, User
from tests.connectors.factories import AppFactory

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found is not None, page.text[:500]
    return found.group(1)


def signed_in(base: str, user: User) -> httpx.Client:
    """An HTTP client carrying a real session of `user` (made by Django's test client)."""
    django_client = Client()
    django_client.force_login(user)
    cookie = django_client.cookies["sessionid"].value
    http = httpx.Client(base_url=base, timeout=30, cookies={"sessionid": cookie})
    return http


def sandbox_apps_for(
    teams: list[Team], base: str, name: str = "Sandbox helpdesk", **sandbox_options: Any
) -> list[App]:
    """Register one sandbox app in the sandbox hub, and in the portal for each team.

    `sandbox_options` go to the sandbox app (e.g. expiring_tokens, token_lifetime_seconds).
    """
    apps: list[App] = [AppFactory(team=team, region="sandbox", name=name) for team in teams]
    callbacks = [
        f"{base}/accounts/intercom/intercom-{app.public_id}/login/callback/" for app in apps
    ]
    created = sandbox_app_create(name=name, redirect_uris=callbacks, **sandbox_options)
    for app in apps:
        app.client_id = created.app.client_id
        app.client_secret = created.client_secret
        app.save()
    return apps


@dataclass
class Dance:
    http: httpx.Client
    app: App

    def press_connect(self) -> httpx.Response:
        """POST "Connect workspace"; answer the redirect to the consent page."""
        slug = self.app.team.slug
        form = self.http.get(f"/t/{slug}/apps/{self.app.public_id}/add-token/")
        assert form.status_code == 200, form.text[:500]
        answer = self.http.post(
            f"/t/{slug}/apps/{self.app.public_id}/connect/",
            data={"csrfmiddlewaretoken": csrf_of(form)},
        )
        assert answer.status_code == 302, answer.text[:500]
        return answer

    def consent(self, choice: str, workspace: str = "acme0us1") -> httpx.Response:
        """Press Connect, then Approve or Deny; answer the portal's final page."""
        consent_url = self.press_connect().headers["location"]
        page = self.http.get(consent_url)
        assert page.status_code == 200, page.text[:500]
        data = {"csrfmiddlewaretoken": csrf_of(page), "workspace": workspace, choice: "1"}
        back = self.http.post(consent_url, data=data)
        assert back.status_code == 302, back.text[:500]
        return self.http.get(back.headers["location"], follow_redirects=True)
