"""Sensitive actions ask for the password (or a passkey/TOTP) again, through allauth.

Put it *inside* `@team_view`, so outsiders still get 404 before anything else:

    @team_view(perm="team.delete")
    @reauth_required
    def team_delete(request, team): ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.decorators import reauthentication_required


def reauth_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Require a recent (ACCOUNT_REAUTHENTICATION_TIMEOUT) authentication for GET and POST."""
    return reauthentication_required(view)  # type: ignore[no-any-return]
