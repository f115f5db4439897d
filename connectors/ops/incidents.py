"""Reads of provider incidents for the banners on /ops/ and on the affected team pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from connectors.health.outcomes import Status
from connectors.models import Connection, Incident
from connectors.providers import provider_find
from portal.models import Team


@dataclass(frozen=True)
class IncidentBanner:
    """One open incident as a banner shows it."""

    provider_name: str
    region: str
    started_at: datetime
    checked: int
    bad: int
    teams: int
    held: int  # connections held as suspect now (of the team, on a team page)


def _banner(incident: Incident, held: int) -> IncidentBanner:
    spec = provider_find(incident.provider)
    return IncidentBanner(
        provider_name=spec.name if spec is not None else incident.provider,
        region=incident.region,
        started_at=incident.started_at,
        checked=incident.checked,
        bad=max(incident.bad, incident.peak_bad),
        teams=incident.teams,
        held=held,
    )


def _held(incidents: list[Incident], team: Team | None) -> dict[tuple[str, str], int]:
    if not incidents:
        return {}
    where = Q()
    for i in incidents:
        where |= Q(provider=i.provider, region=i.region)
    rows = Connection.objects.filter(where, status=Status.SUSPECT.value)
    if team is not None:
        rows = rows.filter(team=team)
    counts = rows.order_by().values_list("provider", "region").annotate(n=Count("pk"))
    return {(p, r): n for p, r, n in counts}


def _banners(incidents: list[Incident], team: Team | None) -> list[IncidentBanner]:
    """The banners of `incidents`, each with its held count (the team's, if given)."""
    held = _held(incidents, team)
    return [_banner(i, held.get((i.provider, i.region), 0)) for i in incidents]


def incidents_open_banners() -> list[IncidentBanner]:
    """Every open incident, newest first (/ops/)."""
    return _banners(list(Incident.objects.filter(ended_at__isnull=True)), None)


def incidents_for_team(team: Team) -> list[IncidentBanner]:
    """Open incidents of a provider and region the team has connections in."""
    incidents = list(Incident.objects.filter(ended_at__isnull=True))
    if not incidents:
        return []
    where = Q()
    for i in incidents:
        where |= Q(provider=i.provider, region=i.region)
    present = set(
        Connection.objects.filter(where, team=team)
        .order_by()
        .values_list("provider", "region")
        .distinct()
    )
    return _banners([i for i in incidents if (i.provider, i.region) in present], team)


def incidents_for_connection(connection: Connection) -> list[IncidentBanner]:
    """The open incident of the connection's own provider and region, if any; its held
    count is the team's, as on the team's pages."""
    incidents = Incident.objects.filter(
        ended_at__isnull=True, provider=connection.provider, region=connection.region
    )
    return _banners(list(incidents), connection.team)
