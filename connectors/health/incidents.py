"""Provider incidents: when many connections of one provider and region go bad at once.

A token-dead answer from one workspace is that token's news; the same answer from a
fifth of a provider's region within minutes, across teams, is the provider's news. The
engine counts the connections of a provider and region checked within `window` (their
latest answer), and this module says whether that is an incident. While one is open,
confirmed dead tokens are held as `suspect` instead of `revoked` (see
`connectors.health.states`), for at most `Policy.hold`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from connectors.health.outcomes import Outcome, Status


@dataclass(frozen=True)
class IncidentPolicy:
    """When a provider and region's failures are an incident."""

    window: timedelta = timedelta(minutes=5)
    min_checked: int = 10  # connections checked within the window
    min_share: float = 0.2  # of those, the share whose latest answer is bad
    min_teams: int = 2  # bad connections of more than one team

    def __post_init__(self) -> None:
        if self.window <= timedelta(0) or self.min_checked < 1 or self.min_teams < 1:
            raise ValueError("window, min_checked and min_teams must be positive")
        if not 0.0 < self.min_share <= 1.0:
            raise ValueError("min_share must be in (0, 1]")


@dataclass(frozen=True)
class FleetCounts:
    """One provider and region within the window: connections checked, bad, and their teams."""

    checked: int
    bad: int
    bad_teams: int


def is_bad(outcome: Outcome | str, status: Status | str) -> bool:
    """A latest answer that counts towards an incident: a dead token, or a failing connection."""
    return str(outcome) == Outcome.TOKEN_DEAD.value or str(status) in {
        Status.FAILING.value,
        Status.SUSPECT.value,
    }


def incident_holds(counts: FleetCounts, policy: IncidentPolicy) -> bool:
    """Whether these counts are a provider incident (to declare one, or to keep it open)."""
    return (
        counts.checked >= policy.min_checked
        and counts.bad >= policy.min_share * counts.checked
        and counts.bad_teams >= policy.min_teams
    )
