"""Intercom's capabilities: the permissions a team's integration may rely on, each with
the cheapest documented read that needs it, and what the answer to that read means.

Permission names are Intercom's own, as its "OAuth Scopes" page lists them (the
checkboxes on an app's Authentication page in the Developer Hub,
developers.intercom.com/docs/build-an-integration/learn-more/authentication/oauth-scopes).
Endpoints, parameters and answer schemas are Intercom-OpenAPI 2.16's (the subset the
sandbox uses is vendored in sandbox/openapi/). List endpoints are asked for one item
(`per_page=1`: documented on /conversations and /companies, and for every list API by
the pagination section their descriptions link to); /admins and /tags have no paging.

A missing permission is 401 `token_unauthorized` ("Not authorized to access resource")
or 403 `forbidden` ("missing required OAuth scope"), as `classify.ANSWERS` records. Any
other answer says nothing about the permission: a dead token is for the `/me` check to
judge, and a 5xx, a timeout or a rate limit leaves the last result standing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from connectors.health.capabilities import CapabilityOutcome, CapabilityVerdict
from connectors.http import AsyncHttp, Timeout, async_http_get
from connectors.providers import Capability, Region
from connectors.providers.intercom.classify import first_error
from connectors.providers.intercom.versions import api_version
from portal.logs import redact
from portal.secrets import Secret


@dataclass(frozen=True)
class Permission:
    """One of Intercom's OAuth scopes, as the Developer Hub labels its checkbox."""

    key: str
    label: str


READ_CONVERSATIONS = Permission("read_conversations", "Read conversations")
READ_USERS_COMPANIES = Permission("read_users_companies", "Read and list users and companies")
READ_ADMINS = Permission("read_admins", "Read admins")
READ_TAGS = Permission("read_tags", "Read tags")
READ_ARTICLES = Permission("read_articles", "Read and list articles")
PERMISSIONS = (READ_CONVERSATIONS, READ_USERS_COMPANIES, READ_ADMINS, READ_TAGS, READ_ARTICLES)


@dataclass(frozen=True)
class Probe:
    """A capability, the permission it needs and its cheapest read."""

    key: str
    label: str
    permission: Permission
    path: str
    query: Mapping[str, str]
    schema: str  # the 200 answer's schema in Intercom-OpenAPI
    list_type: str  # that schema's `type`

    @property
    def call(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query.items())
        return f"GET {self.path}" + (f"?{query}" if query else "")


_ONE = {"per_page": "1"}
PROBES: tuple[Probe, ...] = (
    Probe("read_conversations", "Read conversations", READ_CONVERSATIONS, "/conversations",
          _ONE, "conversation_list", "conversation.list"),
    Probe("read_contacts", "Read contacts", READ_USERS_COMPANIES, "/contacts", _ONE,
          "contact_list", "list"),
    Probe("read_companies", "Read companies", READ_USERS_COMPANIES, "/companies", _ONE,
          "company_list", "list"),
    Probe("read_admins", "Read admins", READ_ADMINS, "/admins", {}, "admin_list", "admin.list"),
    Probe("read_tags", "Read tags", READ_TAGS, "/tags", {}, "tag_list", "list"),
    Probe("read_articles", "Read articles", READ_ARTICLES, "/articles", _ONE, "article_list",
          "list"),
)  # fmt: skip
PROBES_BY_KEY = {probe.key: probe for probe in PROBES}
PROBES_BY_PATH = {probe.path: probe for probe in PROBES}

# (status, Intercom code) of an answer that means "this token lacks the permission".
MISSING = frozenset({(401, "token_unauthorized"), (403, "forbidden")})


def capabilities() -> tuple[Capability, ...]:
    return tuple(Capability(p.key, p.label, p.permission.label, p.call) for p in PROBES)


def capability_classify(probe: Probe, *, status: int | None, body: object,
                        error_kind: str | None) -> CapabilityVerdict:  # fmt: skip
    """What one answer to `probe`'s read says about its permission."""
    if error_kind is not None or status is None:
        kind = redact(error_kind or "no answer", limit=40)
        return CapabilityVerdict(CapabilityOutcome.UNKNOWN, status, "",
                                 f"no verdict: {kind}")  # fmt: skip
    if status == 200:
        if isinstance(body, Mapping) and body.get("type") == probe.list_type:
            return CapabilityVerdict(CapabilityOutcome.OK, 200, "", f"{probe.call}: HTTP 200")
        return CapabilityVerdict(CapabilityOutcome.UNKNOWN, 200, "",
                                 f"HTTP 200 but not a {probe.list_type}")  # fmt: skip
    code, message, _request_id = first_error(body) or ("", "", "")
    detail = redact(f"{probe.call}: HTTP {status} {code} {message}".strip(), limit=200)
    if (status, code) in MISSING:
        return CapabilityVerdict(CapabilityOutcome.MISSING, status, redact(code, limit=60), detail)
    return CapabilityVerdict(CapabilityOutcome.UNKNOWN, status, redact(code, limit=60),
                             f"no verdict: {detail}")  # fmt: skip


async def capability_probe(
    client: AsyncHttp, region: Region, token: Secret, key: str, timeout: Timeout
) -> CapabilityVerdict:
    probe = PROBES_BY_KEY.get(key)
    if probe is None:
        return CapabilityVerdict(CapabilityOutcome.UNKNOWN, None, "", f"unknown capability {key!r}")
    query = "&".join(f"{k}={v}" for k, v in probe.query.items())
    url = f"{region.api_base}{probe.path}" + (f"?{query}" if query else "")
    headers = {"Accept": "application/json", "Intercom-Version": api_version()}
    result = await async_http_get(client, url, headers=headers, bearer=token, timeout=timeout)
    return capability_classify(
        probe, status=result.status, body=result.json, error_kind=result.error_kind
    )


def missing_reason(missing: list[Capability]) -> str:
    """The status reason: what the token cannot do and which permission to tick."""
    labels = ", ".join(c.label.lower() for c in missing)
    permissions = " and ".join(dict.fromkeys(f"'{c.permission}'" for c in missing))
    plural = "s" if len(dict.fromkeys(c.permission for c in missing)) > 1 else ""
    return (
        f"Intercom accepted the token, but it cannot {labels}, which this app relies on: "
        f"tick the permission{plural} {permissions} on the app's Authentication page in "
        "Intercom's Developer Hub, then reconnect the workspace."
    )
