"""The /ops/ lists' rows as HTML, made in Python with `format_html` (every value escaped).

Each row of these lists cost the template engine about 0.1 ms (lookups, filters,
escaping); the dashboard shows 50 of them on every refresh, and the teams page 50 more
per page. Here a row is one `format_html` call. The markup is what the templates
around them expect (the same classes, links and fallbacks as the rest of /ops/).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from connectors.models import Connection, Transition
from portal.timetext import ago_text, since_text


@dataclass(frozen=True)
class Links:
    """The URLs rows link to, reversed once per page: a connection's page is `one` plus
    its id and a slash; `every` is the filterable list of connections."""

    one: str
    every: str

    @classmethod
    def make(cls) -> Links:
        return cls(
            one=reverse("ops_connection", args=[0]).removesuffix("0/"),
            every=reverse("ops_connections"),
        )


def broken_rows(rows: Sequence[Connection], *, now: datetime, links: Links) -> SafeString:
    """The "failing or revoked, longest first" table's body rows."""
    one, every = links.one, links.every
    return format_html_join(
        "\n",
        '<tr><td><a href="{}{}/">{}</a></td><td><a href="{}?team={}">{}</a></td>'
        '<td><span class="badge badge-{}">{}</span></td><td>{}</td>'
        '<td class="small">{}</td></tr>',
        (
            (one, c.pk, c.workspace_name or c.external_id, every, c.team.slug, c.team.name,
             c.status, c.status, since_text(c.status_since, now) if c.status_since else "—",
             c.status_reason)
            for c in rows
        ),
    )  # fmt: skip


def transition_items(rows: Sequence[Transition], *, now: datetime, links: Links) -> SafeString:
    """The "recent status changes" feed's list items."""
    one = links.one
    return format_html_join(
        "\n",
        '<li><time datetime="{}">{}</time>: <a href="{}{}/">{}</a> '
        '<span class="muted">({})</span> <span class="badge badge-{}">{}</span> → '
        '<span class="badge badge-{}">{}</span></li>',
        (
            (localtime(t.at).isoformat(), ago_text(t.at, now), one, t.connection_id,
             t.connection.workspace_name or t.connection.external_id, t.team.name,
             t.from_status, t.from_status, t.to_status, t.to_status)
            for t in rows
        ),
    )  # fmt: skip


def _count_link(every: str, slug: str, status: str, count: int) -> SafeString:
    if not count:
        return format_html("{}", 0)
    return format_html('<a href="{}?team={}&amp;status={}">{}</a>', every, slug, status,
                       intcomma(count))  # fmt: skip


def team_rows(rows: Sequence[dict[str, Any]], *, links: Links) -> SafeString:
    """The per-team table's body rows (`selectors.ops_team_rows` dicts)."""
    every = links.every
    return format_html_join(
        "\n",
        '<tr><td><a href="{}?team={}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
        "<td>{}</td></tr>",
        (
            (every, r["team"].slug, r["team"].name, intcomma(r["connections"]),
             _count_link(every, r["team"].slug, "failing", r["failing"]),
             _count_link(every, r["team"].slug, "revoked", r["revoked"]),
             localtime(r["last_change"]).strftime("%Y-%m-%d %H:%M") if r["last_change"] else "—")
            for r in rows
        ),
    )  # fmt: skip
