"""Why a connect attempt failed, in words a person can act on (provider-neutral).

A provider's allauth views raise `ConnectFailure`; the portal's SocialAccountAdapter
turns it (and allauth's own errors) into the connect-failed page. Nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from allauth.socialaccount.providers.base import ProviderException

from connectors.health.outcomes import Classification


class FailureKind(StrEnum):
    DENIED = "denied"
    STATE = "state"
    EXCHANGE_REFUSED = "exchange_refused"
    UNREACHABLE = "unreachable"
    IDENTITY = "identity"
    NOT_ALLOWED = "not_allowed"
    UNKNOWN = "unknown"


TITLES: dict[FailureKind, str] = {
    FailureKind.DENIED: "Connection cancelled",
    FailureKind.STATE: "This connect attempt expired or was not started here",
    FailureKind.EXCHANGE_REFUSED: "The provider refused to hand over a token",
    FailureKind.UNREACHABLE: "The provider could not be reached",
    FailureKind.IDENTITY: "The new token did not work",
    FailureKind.NOT_ALLOWED: "You can't connect workspaces for this team",
    FailureKind.UNKNOWN: "The connection could not be completed",
}

DEFAULT_MESSAGES: dict[FailureKind, str] = {
    FailureKind.DENIED: (
        "You (or the workspace admin) pressed Deny on the consent page, so nothing was "
        "connected. Press Try again and choose Approve to connect the workspace."
    ),
    FailureKind.STATE: (
        "The answer from the provider did not match a connect attempt started in this "
        "browser session: it may have expired (after 10 minutes), been used already, or "
        "come from another browser or tab. Nothing was stored. Press Try again to start over."
    ),
    FailureKind.EXCHANGE_REFUSED: (
        "The provider refused to exchange the approval for a token. Usually the app's "
        "client secret in the portal is wrong or was rotated: an admin should paste the "
        "current one into the app's settings, then press Try again."
    ),
    FailureKind.UNREACHABLE: (
        "The provider did not answer in time or could not be reached, so nothing was "
        "connected. This is usually temporary: wait a moment, then press Try again."
    ),
    FailureKind.IDENTITY: (
        "The provider issued a token but would not say which workspace it belongs to, so "
        "nothing was stored. Press Try again; if it keeps failing, check the app's "
        "permissions in the provider's developer console."
    ),
    FailureKind.NOT_ALLOWED: (
        "Only members, admins and owners of the team can connect workspaces, and only "
        "while signed in. Sign in with the right account, then start again from the app page."
    ),
    FailureKind.UNKNOWN: (
        "Something went wrong during the connection and nothing was stored. Press Try again."
    ),
}


class ConnectFailure(ProviderException):
    """A connect attempt failed; `message` says what happened and what to do next."""

    def __init__(self, kind: FailureKind, message: str = "") -> None:
        self.kind = kind
        self.message = message or DEFAULT_MESSAGES[kind]
        super().__init__(self.message)


@dataclass(frozen=True)
class FirstCheck:
    """The probe a provider ran on a fresh token, for the connection's first check."""

    classification: Classification
    latency_ms: int | None


_FIRST_CHECK_ATTR = "portal_first_check"


def first_check_attach(
    login: Any, classification: Classification, *, latency_ms: int | None
) -> None:
    """Carry the provider's first probe to the adapter on the (unsaved) SocialLogin."""
    setattr(login, _FIRST_CHECK_ATTR, FirstCheck(classification, latency_ms))


def first_check_of(login: Any) -> FirstCheck | None:
    found = getattr(login, _FIRST_CHECK_ATTR, None)
    return found if isinstance(found, FirstCheck) else None
