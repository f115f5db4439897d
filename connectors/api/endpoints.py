"""The REST API (django-ninja): apps, connections, health, check now, and tokens.

Every operation runs as one API key of one team: objects of other teams do not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja import Status as Answer
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.params import functions as param
from ninja.security import HttpBearer

from connectors.api.errors import (
    NOT_FOUND,
    UNAUTHORIZED,
    ApiError,
    api_error_handler,
    error_response,
)
from connectors.api.keys import apikey_authenticate
from connectors.api.limits import address_limit_hit, rate_limit_hit
from connectors.api.models import ApiKey, Scope
from connectors.api.schemas import (
    AppList,
    AppOut,
    CheckOut,
    CheckRequested,
    CheckStatus,
    ConnectionDetail,
    ConnectionOut,
    ConnectionPage,
    ErrorOut,
    HealthOut,
    TokenOut,
)
from connectors.engine.decide import recheck_of
from connectors.health.outcomes import Status
from connectors.models import App, Check, Connection
from portal.clientaddr import client_ip
from portal.services.audit import audit_log

MAX_ID = 2**53  # larger ids cannot exist; refusing them keeps databases from overflowing


class ApiKeyAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> ApiKey | None:
        # ninja's own parsing logs a header whose scheme is not Bearer, key and all.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        ip = client_ip(request) or None
        wait = address_limit_hit(ip=ip or "unknown")
        if wait is not None:
            raise ApiError(
                429, "rate_limited",
                f"Too many requests from your address. Wait {wait} s, then try again.",
                headers={"Retry-After": str(wait)},
            )  # fmt: skip
        key = apikey_authenticate(raw=token, ip=ip)
        if key is None:
            raise ApiError(401, "unauthorized", UNAUTHORIZED)
        wait = rate_limit_hit(key_id=key.pk)
        if wait is not None:
            raise ApiError(
                429, "rate_limited",
                f"This API key made too many requests. Wait {wait} s, then try again.",
                headers={"Retry-After": str(wait)},
            )  # fmt: skip
        return key


api = NinjaAPI(
    title="Connector Portal API",
    version="1",
    description="Read a team's apps and connections, ask for checks, and fetch tokens. "
    "Authenticate with `Authorization: Bearer <API key>`.",
    auth=ApiKeyAuth(),
    docs_url=None,  # ninja's page loads Swagger UI from a CDN; ours is at /api/v1/docs/
    urls_namespace="api-v1",
)
api.add_exception_handler(ApiError, api_error_handler)  # type: ignore[arg-type]


def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(401, "unauthorized", UNAUTHORIZED)


def _invalid(request: HttpRequest, exc: Exception) -> HttpResponse:
    errors: list[Any] = getattr(exc, "errors", [])
    where = ", ".join(".".join(str(p) for p in e.get("loc", [])) for e in errors[:5])
    return error_response(
        422, "invalid_request", f"Some parameters are not valid: {where or 'see the docs'}."
    )


api.add_exception_handler(AuthenticationError, _unauthenticated)  # type: ignore[arg-type]
api.add_exception_handler(NinjaValidationError, _invalid)  # type: ignore[arg-type]

ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def _key(request: HttpRequest) -> ApiKey:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    return key


def _connection(request: HttpRequest, connection_id: int) -> Connection:
    found = (
        Connection.objects.select_related("app")
        .filter(team_id=_key(request).team_id, pk=connection_id)
        .first()
    )
    if found is None:
        raise ApiError(404, "not_found", NOT_FOUND)
    return found


def _connection_out(c: Connection) -> dict[str, Any]:
    return {
        "id": c.pk, "app": c.app.public_id if c.app else None, "provider": c.provider,
        "workspace_id": c.external_id, "workspace_name": c.workspace_name, "region": c.region,
        "status": c.status, "status_since": c.status_since, "status_reason": c.status_reason,
        "last_checked_at": c.last_checked_at, "next_check_at": c.next_check_at,
        "connected_at": c.connected_at,
    }  # fmt: skip


def _check_out(check: Check) -> CheckOut:
    return CheckOut(
        checked_at=check.checked_at, outcome=check.outcome, status_after=check.status_after,
        http_status=check.http_status, latency_ms=check.latency_ms, detail=check.detail,
        trigger=check.trigger,
    )  # fmt: skip


@api.get("/apps", response={200: AppList, **ERRORS}, summary="List the team's apps")
def apps_list(request: HttpRequest) -> AppList:
    apps = App.objects.filter(team_id=_key(request).team_id)
    items = [
        AppOut(id=a.public_id, name=a.name, provider=a.provider, kind=a.kind, region=a.region)
        for a in apps
    ]
    return AppList(items=items, count=len(items))


@api.get("/connections", response={200: ConnectionPage, **ERRORS}, summary="List connections")
def connections_list(
    request: HttpRequest,
    status: Status | None = None,
    app: str | None = param.Query(
        None, max_length=32, pattern=r"^[A-Za-z0-9_-]+$", description="An app id, from /apps"
    ),
    limit: int = param.Query(50, ge=1, le=200),
    offset: int = param.Query(0, ge=0, le=1_000_000),
) -> ConnectionPage:
    rows: QuerySet[Connection] = Connection.objects.select_related("app").filter(
        team_id=_key(request).team_id
    )
    if status:
        rows = rows.filter(status=status)
    if app:
        rows = rows.filter(app__public_id=app)
    rows = rows.order_by("id")
    page = list(rows[offset : offset + limit])
    return ConnectionPage(
        items=[ConnectionOut(**_connection_out(c)) for c in page],
        count=rows.count(), limit=limit, offset=offset,
    )  # fmt: skip


@api.get(
    "/connections/{connection_id}",
    response={200: ConnectionDetail, **ERRORS},
    summary="One connection, with its health",
)
def connection_get(
    request: HttpRequest,
    connection_id: int = param.Path(..., ge=1, le=MAX_ID),
) -> ConnectionDetail:
    c = _connection(request, connection_id)
    checks = [_check_out(k) for k in Check.objects.filter(connection=c)[:10]]
    recheck = recheck_of(c)
    health = HealthOut(
        status=c.status, status_since=c.status_since, reason=c.status_reason,
        last_outcome=c.last_outcome, last_checked_at=c.last_checked_at,
        last_latency_ms=c.last_latency_ms, last_error=c.last_error,
        consecutive_failures=c.consecutive_failures, recent_checks=checks,
        rechecks_until=recheck.until if recheck else None,
    )  # fmt: skip
    return ConnectionDetail(**_connection_out(c), health=health)


def _check_id(requested_at: datetime) -> str:
    return str(int(requested_at.timestamp() * 1_000_000))


@api.post(
    "/connections/{connection_id}/check",
    response={202: CheckRequested, 403: ErrorOut, 409: ErrorOut, 503: ErrorOut, **ERRORS},
    summary="Ask for a health check now (scope: check)",
)
def connection_check(
    request: HttpRequest,
    connection_id: int = param.Path(..., ge=1, le=MAX_ID),
) -> Answer[CheckRequested]:
    from connectors.engine.checknow import check_now_request
    from connectors.tasks import enqueue_check_now

    if not _key(request).has_scope(Scope.CHECK):
        raise ApiError(403, "scope_missing",
                       "This API key lacks the 'check' scope. Create a key with it to ask for "
                       "checks.")  # fmt: skip
    c = _connection(request, connection_id)
    if c.status == Status.DISCONNECTED:
        message = "This connection is disconnected: reconnect the workspace first."
        raise ApiError(409, "disconnected", message)
    outcome = check_now_request(connection=c, enqueue=enqueue_check_now)
    if outcome.state == "broker_down" or outcome.requested_at is None:
        raise ApiError(
            503, "checks_delayed",
            "The check could not be queued because the task queue is unreachable. Nothing "
            "changed; scheduled checks continue when it is back. Try again in a minute.",
            headers={"Retry-After": "60"},
        )  # fmt: skip
    Connection.objects.filter(pk=c.pk).update(next_check_at=timezone.now())
    check_id = _check_id(outcome.requested_at)
    poll = f"/api/v1/connections/{c.pk}/checks/{check_id}"
    state: Literal["queued", "coalesced"] = "queued" if outcome.state == "queued" else "coalesced"
    return Answer(202, CheckRequested(check_id=check_id, state=state, poll=poll))


@api.get(
    "/connections/{connection_id}/checks/{check_id}",
    response={200: CheckStatus, **ERRORS},
    summary="Poll a requested check",
)
def connection_check_status(
    request: HttpRequest,
    connection_id: int = param.Path(..., ge=1, le=MAX_ID),
    check_id: str = param.Path(..., max_length=20, pattern=r"^[0-9]+$"),
) -> CheckStatus:
    c = _connection(request, connection_id)
    try:
        requested = datetime.fromtimestamp(int(check_id) / 1_000_000, tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise ApiError(404, "not_found", "No such check for this connection.") from exc
    found = (
        Check.objects.filter(connection=c, checked_at__gte=requested).order_by("checked_at").first()
    )
    if found is None:
        return CheckStatus(check_id=check_id, state="pending", result=None)
    return CheckStatus(check_id=check_id, state="done", result=_check_out(found))


def _maybe_refresh(c: Connection) -> Connection:
    # Due by the engine's schedule (which a worker may not have reached yet): refresh
    # first, so a token served keeps at least the engine's refresh-ahead margin.
    if c.refresh_due_at is None or c.refresh_due_at > timezone.now():
        return c
    try:
        from connectors.engine.refresh import connection_refresh
    except ImportError:  # an engine without refresh: serve what is stored
        return c
    connection_refresh(connection_id=c.pk, force=True)
    c.refresh_from_db()
    return c


@api.get(
    "/connections/{connection_id}/token",
    response={200: TokenOut, 403: ErrorOut, 409: ErrorOut, **ERRORS},
    summary="The connection's current access token (scope: tokens)",
)
def connection_token(
    request: HttpRequest,
    response: HttpResponse,
    connection_id: int = param.Path(..., ge=1, le=MAX_ID),
) -> TokenOut:
    key = _key(request)
    if not key.has_scope(Scope.TOKENS):
        raise ApiError(403, "scope_missing",
                       "This API key lacks the 'tokens' scope. Create a key with it to read "
                       "tokens.")  # fmt: skip
    c = _maybe_refresh(_connection(request, connection_id))
    token = c.access_token
    dead = c.status in {Status.REVOKED, Status.DISCONNECTED} or not token
    audit_log(
        team=key.team, actor=None, action="connection.token_read", target=c, request=request,
        details={"via": f"API key {key.name} ({key.prefix}…)",
                 "outcome": "refused: reconnect needed" if dead else "served"},
    )  # fmt: skip
    if dead or token is None:
        raise ApiError(409, "reconnect_required",
                       f"This connection is {c.status}: its token no longer works. Reconnect "
                       "the workspace in the portal, then try again.")  # fmt: skip
    response["Cache-Control"] = "no-store"  # no proxy or browser may keep a token
    out = TokenOut(access_token=token.reveal(), token_type="Bearer",
                   expires_at=c.token_expires_at, workspace_id=c.external_id,
                   region=c.region)  # fmt: skip
    return out
