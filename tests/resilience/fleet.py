"""Many sandbox-backed connections at once, made in-process (no OAuth dance per row)."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.providers.intercom.sandbox import services
from connectors.providers.intercom.sandbox.models import SandboxToken, SandboxWorkspace
from portal.models import Team
from tests.sandbox.factories import CALLBACK, SandboxAppFactory, portal_connection


@dataclass(frozen=True)
class Linked:
    connection_id: int
    token_id: int  # the sandbox's row, for per-token controls


def fleet_link(team: Team, count: int, *, interval: int) -> list[Linked]:
    """`count` connections, each through its own app (so no app's rate budget binds)."""
    services.workspaces_ensure()
    workspace = SandboxWorkspace.objects.get(id_code="acme0us1")
    rows: list[Linked] = []
    for _ in range(count):
        sandbox_app = SandboxAppFactory()
        code = services.sandbox_code_issue(
            app=sandbox_app, workspace=workspace, redirect_uri=CALLBACK
        )
        issued = services.sandbox_code_exchange(app=sandbox_app, code=code)
        _, connection = portal_connection(
            team, sandbox_app, access_token=issued.access_token, interval=interval
        )
        token = SandboxToken.objects.get(app=sandbox_app, kind="access")
        rows.append(Linked(connection.pk, token.pk))
    return rows
