"""Schemathesis against the live /api/v1/openapi.json: no 5xx, every answer fits the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from connectors.api.keys import apikey_create
from portal.secrets import Secret
from tests.connectors.factories import AppFactory, ConnectionFactory
from tests.factories import MembershipFactory, TeamFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_the_api_conforms_to_its_openapi_document(live_server: object, settings: object) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000  # type: ignore[attr-defined]
    team = TeamFactory(slug="schema-team")
    owner = MembershipFactory(team=team).user
    connection = ConnectionFactory(
        app=AppFactory(team=team), access_token=Secret("tok_schemathesis_0123456789abcdef")
    )
    ConnectionFactory(app=connection.app, status="revoked")
    _, raw = apikey_create(
        team=team, name="schemathesis", scopes=["read", "check", "tokens"], expires_at=None,
        actor=owner, request=None,
    )  # fmt: skip
    auth = {"Authorization": f"Bearer {raw.reveal()}"}
    base = f"{live_server.url}/api/v1"  # type: ignore[attr-defined]
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")

    strategies = st.one_of(
        schema.as_strategy(headers=auth),
        schema.as_strategy(headers=auth, path_parameters={"connection_id": connection.pk}),
    )

    @given(case=strategies)
    @hypothesis_settings(
        max_examples=60, deadline=None, database=None,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(base_url=live_server.url, headers=auth)  # type: ignore[attr-defined]
        seen.add(response.status_code)

    seen: set[int] = set()
    run()
    assert 200 in seen  # the generated calls reached real data, not only error answers
