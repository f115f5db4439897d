"""Many sandbox-backed connections at once, made in-process (no OAuth dance per row), and
the per-token chaos the provider-chaos test and bench/detection.py put them through."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from connectors.providers.intercom.sandbox import services
from connectors.providers.intercom.sandbox.models import SandboxToken, SandboxWorkspace
from portal.models import Team
from tests.sandbox.conftest import Sandbox
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


def chaos_reshuffle(
    sandbox: Sandbox,
    fleet: Sequence[Linked],
    rng: random.Random,
    *,
    error_share: float,
    timeout_share: float,
    timeout_seconds: int = 2,
) -> None:
    """Over HTTP: a fresh random `error_share` of tokens answer 500 and `timeout_share`
    answer nothing for `timeout_seconds`; the rest are fine (revoked tokens stay revoked)."""
    reset = sandbox.http.post(f"{sandbox.base}/_control/reset")
    assert reset.status_code == 200, reset.text
    chosen = rng.sample(list(fleet), int(len(fleet) * (error_share + timeout_share)))
    errors = int(len(fleet) * error_share)
    for position, row in enumerate(chosen):
        body: dict[str, object] = (
            {"mode": "500"}
            if position < errors
            else {"mode": "silent", "timeout_seconds": timeout_seconds}
        )
        answer = sandbox.control(f"tokens/{row.token_id}", body)
        assert answer.status_code == 200, answer.text


def workspace_spare(sandbox: Sandbox, taken: set[str]) -> str | None:
    """Over HTTP: a sandbox workspace whose id is not in `taken` (None: there is none)."""
    listed = sandbox.control("workspaces")
    assert listed.status_code == 200, listed.text
    spare = [w["id_code"] for w in listed.json()["workspaces"] if w["id_code"] not in taken]
    return spare[0] if spare else None
