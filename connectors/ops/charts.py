"""Server-rendered SVG charts: pure functions from plain values to accessible markup.

Each chart is an inline <svg role="img"> with a <title> and a <desc> that says in words
what the chart shows, so it reads without JavaScript, in print and to screen readers.
Colours come from CSS classes (`chart-<status>` in static/css/portal.css) that share the
status badges' variables; no inline styles (strict CSP) and nothing from a CDN.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 600, 160
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 8, 10, 22
_ids = itertools.count(1)


@dataclass(frozen=True)
class Span:
    """A stretch of time spent in one status."""

    start: datetime
    end: datetime
    status: str


@dataclass(frozen=True)
class Series:
    """A named line: (moment, value) points; None leaves a gap."""

    name: str
    points: Sequence[tuple[datetime, float | None]]
    css: str = "chart-line"


def _open(title: str, desc: str, *, height: int = HEIGHT, css: str = "") -> tuple[str, str]:
    uid = f"chart{next(_ids)}"
    head = (
        f'<svg class="chart {css}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" preserveAspectRatio="none">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
    )
    return uid, head


def _x(moment: datetime, start: datetime, end: datetime) -> float:
    total = (end - start).total_seconds() or 1.0
    share = (moment - start).total_seconds() / total
    return PAD_LEFT + max(0.0, min(1.0, share)) * (WIDTH - PAD_LEFT - PAD_RIGHT)


def _time_axis(start: datetime, end: datetime, height: int, fmt: str) -> str:
    base = height - 6
    return (
        f'<text x="{PAD_LEFT}" y="{base}">{start:{fmt}}</text>'
        f'<text x="{WIDTH - PAD_RIGHT}" y="{base}" text-anchor="end">{end:{fmt}}</text>'
    )


def empty_chart(*, title: str, message: str) -> SafeString:
    """A placeholder with the same accessible frame when there is nothing to draw."""
    _, head = _open(title, message, height=60, css="chart-empty")
    return mark_safe(  # noqa: S308 - every interpolated value is escaped above/here
        f'{head}<text x="{WIDTH / 2}" y="34" text-anchor="middle">{escape(message)}</text></svg>'
    )


def timeline_chart(
    *, spans: Sequence[Span], start: datetime, end: datetime, title: str
) -> SafeString:
    """A status band over time, one coloured block per span, with a time axis."""
    if not spans:
        return empty_chart(title=title, message="No status history in this period.")
    height = 64
    totals: dict[str, float] = {}
    blocks = []
    for span in spans:
        x1, x2 = _x(span.start, start, end), _x(span.end, start, end)
        seconds = (min(span.end, end) - max(span.start, start)).total_seconds()
        totals[span.status] = totals.get(span.status, 0.0) + max(0.0, seconds)
        label = f"{span.status} from {span.start:%Y-%m-%d %H:%M} to {span.end:%Y-%m-%d %H:%M}"
        blocks.append(
            f'<rect class="chart-{escape(span.status)}" x="{x1:.1f}" y="{PAD_TOP}" '
            f'width="{max(x2 - x1, 1.0):.1f}" height="28"><title>{escape(label)} UTC</title></rect>'
        )
    whole = sum(totals.values()) or 1.0
    share = ", ".join(
        f"{status} {100 * seconds / whole:.1f}%"
        for status, seconds in sorted(totals.items(), key=lambda kv: -kv[1])
    )
    desc = f"Status from {start:%Y-%m-%d} to {end:%Y-%m-%d} UTC: {share}."
    _, head = _open(title, desc, height=height, css="chart-timeline")
    axis = _time_axis(start, end, height, "%b %d")
    return mark_safe(f"{head}{''.join(blocks)}{axis}</svg>")  # noqa: S308 - escaped


def _scale(values: list[float]) -> float:
    top = max(values, default=0.0)
    if top <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(top))) - 1)
    return float(((int(top) // magnitude) + 1) * magnitude)


def _y(value: float, top: float, height: int) -> float:
    inner = height - PAD_TOP - PAD_BOTTOM
    return PAD_TOP + inner - (value / top) * inner


def _y_axis(top: float, unit: str, height: int) -> str:
    return (
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + 8}" text-anchor="end">{top:g}{unit}</text>'
        f'<text x="{PAD_LEFT - 4}" y="{height - PAD_BOTTOM}" text-anchor="end">0</text>'
        f'<line class="chart-axis" x1="{PAD_LEFT}" y1="{height - PAD_BOTTOM}" '
        f'x2="{WIDTH - PAD_RIGHT}" y2="{height - PAD_BOTTOM}"/>'
    )


def line_chart(
    *,
    series: Sequence[Series],
    start: datetime,
    end: datetime,
    title: str,
    unit: str = "",
    time_format: str = "%H:%M",
) -> SafeString:
    """Lines over time on a shared y scale starting at zero; gaps where a value is None."""
    values = [v for s in series for _, v in s.points if v is not None]
    if not values:
        return empty_chart(title=title, message="No measurements in this period.")
    top = _scale(values)
    paths = []
    summary = []
    # A day holds 288 points a line: plain arithmetic on timestamps in the loop.
    origin, total = start.timestamp(), (end - start).total_seconds() or 1.0
    inner_x, inner_y = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    for line in series:
        runs: list[list[str]] = [[]]
        for moment, value in line.points:
            if value is None:
                runs.append([])
                continue
            share = max(0.0, min(1.0, (moment.timestamp() - origin) / total))
            height = PAD_TOP + inner_y - (value / top) * inner_y
            runs[-1].append(f"{PAD_LEFT + share * inner_x:.1f},{height:.1f}")
        for run in runs:
            if len(run) == 1:
                x, y = run[0].split(",")
                paths.append(f'<circle class="{line.css}" cx="{x}" cy="{y}" r="2"/>')
            elif run:
                paths.append(f'<polyline class="{line.css}" points="{" ".join(run)}"/>')
        present = [v for _, v in line.points if v is not None]
        summary.append(
            f"{line.name}: min {min(present):g}{unit}, max {max(present):g}{unit}, "
            f"latest {present[-1]:g}{unit}"
            if present
            else f"{line.name}: no data"
        )
    desc = f"From {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC. " + "; ".join(summary) + "."
    _, head = _open(title, desc)
    legend = "".join(
        f'<text class="{s.css}-label" x="{WIDTH - PAD_RIGHT - 90 * (i + 1)}" y="{PAD_TOP + 8}">'
        f"{escape(s.name)}</text>"
        for i, s in enumerate(series)
    )
    axes = _y_axis(top, unit, HEIGHT) + _time_axis(start, end, HEIGHT, time_format)
    return mark_safe(f"{head}{axes}{''.join(paths)}{legend}</svg>")  # noqa: S308 - escaped


def bar_chart(
    *,
    points: Sequence[tuple[datetime, float]],
    start: datetime,
    end: datetime,
    step_seconds: float,
    title: str,
    unit: str = "",
    time_format: str = "%H:%M",
) -> SafeString:
    """One bar per time bucket (e.g. checks per minute in each 5-minute bucket)."""
    if not points:
        return empty_chart(title=title, message="Nothing measured in this period.")
    top = _scale([v for _, v in points])
    total = (end - start).total_seconds() or 1.0
    inner = WIDTH - PAD_LEFT - PAD_RIGHT
    bar = max(1.0, inner * step_seconds / total - 1)
    # A day holds 288 bars: the loop stays plain arithmetic and string formatting.
    origin, suffix, base = start.timestamp(), escape(unit), HEIGHT - PAD_BOTTOM
    bars = []
    for moment, value in points:
        y = _y(value, top, HEIGHT)
        x = PAD_LEFT + max(0.0, min(1.0, (moment.timestamp() - origin) / total)) * inner
        bars.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
            f'height="{base - y:.1f}"><title>{moment.hour:02d}:{moment.minute:02d} UTC: '
            f"{value:g}{suffix}</title></rect>"
        )
    values = [v for _, v in points]
    desc = (
        f"From {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC: average "
        f"{sum(values) / len(values):.1f}{unit}, peak {max(values):g}{unit}, "
        f"latest {values[-1]:g}{unit}."
    )
    _, head = _open(title, desc)
    axes = _y_axis(top, unit, HEIGHT) + _time_axis(start, end, HEIGHT, time_format)
    return mark_safe(f"{head}{axes}{''.join(bars)}</svg>")  # noqa: S308 - escaped
