"""The sandbox Intercom behind the demo fleet: one sandbox app per demo team, one sandbox
workspace per demo connection, and a real sandbox token for each connected one.

Without this the health engine probes fake tokens and the demo decays into red within
minutes. The sandbox workspace's control keeps each connection in its seeded state:
403 for degraded, 500 for failing, a revoked token for revoked, normal otherwise.
Everything made here is recognisable by a prefix, so a re-run deletes it first.
"""

from __future__ import annotations

from typing import Protocol

from connectors.health.outcomes import Status
from connectors.providers.intercom.sandbox.models import Mode, SandboxApp, SandboxWorkspace
from connectors.providers.intercom.sandbox.services import (
    NewApp,
    sandbox_app_create,
    sandbox_app_update,
    sandbox_code_exchange,
    sandbox_code_issue,
    sandbox_tokens_revoke,
)

# Demo workspaces' id codes (the connections' external ids) and demo apps' names start so.
WORKSPACE_PREFIX = "demo"
APP_PREFIX = "[demo] "
MODE_OF = {Status.DEGRADED: Mode.FORBIDDEN, Status.FAILING: Mode.SERVER_ERROR}
TIMEZONE_OF = {"us": "America/New_York", "eu": "Europe/Dublin", "au": "Australia/Sydney"}


# What this module needs of the portal's App and Connection (seed_demo passes them in):
# the provider's folder sits below the portal's models, so it names none of them.
class DemoApp(Protocol):
    @property
    def callback_url(self) -> str: ...


class DemoConnection(Protocol):
    external_id: str
    workspace_name: str
    region: str
    admin_id: str
    admin_email: str
    admin_name: str
    status: str
    access_token: object


def demo_sandbox_clear() -> None:
    """Delete the sandbox apps and workspaces an earlier seed made (codes and tokens cascade)."""
    SandboxApp.objects.filter(name__startswith=APP_PREFIX).delete()
    SandboxWorkspace.objects.filter(id_code__startswith=WORKSPACE_PREFIX).delete()


def demo_sandbox_app_create(*, team_name: str) -> NewApp:
    """A sandbox app for one demo team; its client id and secret go on the portal App."""
    return sandbox_app_create(name=f"{APP_PREFIX}{team_name}", redirect_uris=[])


def demo_sandbox_app_point(*, sandbox_app: SandboxApp, app: DemoApp) -> None:
    """Register the portal App's callback, so Reconnect works against the sandbox."""
    sandbox_app_update(
        app=sandbox_app,
        redirect_uris=[app.callback_url],
        expiring_tokens=False,
        token_lifetime_seconds=sandbox_app.token_lifetime_seconds,
    )


def demo_sandbox_back(*, sandbox_app: SandboxApp, connections: list[DemoConnection]) -> None:
    """Create each connection's sandbox workspace and put a real sandbox token on it.

    The connections are not saved here: call this before they are bulk-created.
    """
    workspaces = SandboxWorkspace.objects.bulk_create(
        [
            SandboxWorkspace(
                id_code=c.external_id, name=c.workspace_name, region=c.region.upper(),
                timezone=TIMEZONE_OF.get(c.region, "Europe/Dublin"), admin_id=c.admin_id,
                admin_email=c.admin_email, admin_name=c.admin_name,
                mode=MODE_OF.get(Status(c.status), Mode.OK),
            )
            for c in connections
        ]
    )  # fmt: skip
    redirect_uri = str(sandbox_app.redirect_uris[0]) if sandbox_app.redirect_uris else ""
    for connection, workspace in zip(connections, workspaces, strict=True):
        if connection.status == Status.DISCONNECTED:
            connection.access_token = None
            continue
        # The same path as a consent and a code exchange, so the token is stored hashed.
        code = sandbox_code_issue(app=sandbox_app, workspace=workspace, redirect_uri=redirect_uri)
        issued = sandbox_code_exchange(app=sandbox_app, code=code)
        connection.access_token = issued.access_token  # the field encrypts it
        if connection.status == Status.REVOKED:
            sandbox_tokens_revoke(workspace=workspace)
