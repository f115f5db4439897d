"""The Add app draft: the public id (and so the redirect URL) a person is setting up.

It lives in the session, one per team and provider, from the first visit of Add app
until that app is saved, with the region and type last chosen. A session rather than a
signed token in the URL, because the person's tabs share the session: a reload, a switch
of region or type, a second tab opened from "Add app" all show the same redirect URL,
and the one they pasted into the provider's console is the one that gets saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from connectors.models import App, new_public_id
from portal.models import Team

SESSION_KEY = "connectors.app_drafts"
# What the draft remembers besides its public id, so a reload shows what was chosen.
CHOICES = ("region", "kind")


@dataclass(frozen=True)
class Draft:
    public_id: str
    choices: dict[str, str] = field(default_factory=dict)


def _key(team: Team, provider: str) -> str:
    return f"{team.pk}:{provider}"


def _drafts(request: HttpRequest) -> dict[str, Any]:
    stored = request.session.get(SESSION_KEY)
    return dict(stored) if isinstance(stored, dict) else {}


def draft_get(request: HttpRequest, *, team: Team, provider: str) -> Draft:
    """The person's draft, started now if there is none (or its app was saved)."""
    drafts = _drafts(request)
    stored = drafts.get(_key(team, provider))
    stored = stored if isinstance(stored, dict) else {}
    public_id = stored.get("public_id")
    if not isinstance(public_id, str) or App.objects.filter(public_id=public_id).exists():
        stored = {"public_id": new_public_id()}
        drafts[_key(team, provider)] = stored
        request.session[SESSION_KEY] = drafts
    choices = {name: str(stored[name]) for name in CHOICES if stored.get(name)}
    return Draft(public_id=stored["public_id"], choices=choices)


def draft_choose(request: HttpRequest, *, team: Team, provider: str, **choices: str) -> None:
    """Remember the region and type the page now shows (never the boxes' contents)."""
    drafts = _drafts(request)
    stored = dict(drafts.get(_key(team, provider)) or {})
    changed = {name: value for name, value in choices.items() if name in CHOICES and value}
    if "public_id" in stored and any(stored.get(k) != v for k, v in changed.items()):
        stored.update(changed)
        drafts[_key(team, provider)] = stored
        request.session[SESSION_KEY] = drafts


def draft_finish(request: HttpRequest, *, team: Team, provider: str) -> None:
    """The app was saved: the next Add app starts a new draft with a new redirect URL."""
    drafts = _drafts(request)
    if drafts.pop(_key(team, provider), None) is not None:
        request.session[SESSION_KEY] = drafts
