"""Server-rendered SVG charts: pure functions from plain values to accessible markup.

Each chart is an inline <svg role="img"> with a <title> and a <desc> that says in words
what the chart shows, so it reads without JavaScript, in print and to screen readers;
each block, bar and point has its own <title> with its time and value (shown on hover).
Colours come from CSS classes (`chart-<status>` in static/css/portal.css) that share the
status badges' variables; no inline styles (strict CSP) and nothing from a CDN.

The outer <svg> has no viewBox: it is as wide as its box and HEIGHT pixels high, so its
text keeps the stylesheet's size on a phone and on a wide screen alike (a scaled viewBox
drew 11 px text 4 px high in a narrow card). Positions across are percentages; only the
lines sit in an inner <svg> stretched to the plot, with strokes that do not scale.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.utils.safestring import SafeString, mark_safe

HEIGHT = 170
PAD_TOP, PAD_BOTTOM = 20, 22  # room for the top value label and for the time axis
_ids = itertools.count(1)
# The inner plot's coordinates across (its viewBox), stretched to the chart's width.
_SPAN = 1000.0
# A time label is centred on its tick; none closer to either end than this share of the
# width (26 px of a 326 px chart on a phone: half the widest label, "Nov 27").
_EDGE = 0.08
# Time ticks: the first step that gives at most seven labels, and how it reads.
_TICKS = [
    (timedelta(minutes=10), "%H:%M"),
    (timedelta(minutes=30), "%H:%M"),
    (timedelta(hours=1), "%H:%M"),
    (timedelta(hours=3), "%H:%M"),
    (timedelta(hours=6), "%H:%M"),
    (timedelta(days=1), "%b %d"),
    (timedelta(days=5), "%b %d"),
    (timedelta(days=10), "%b %d"),
]


def escape(text: object) -> str:
    """As django.utils.html.escape (the same characters), without its lazy-string wrapper.

    /ops/ escapes about 600 point titles a render: with this and `_when` cached, its four
    charts (with their rollup query) took 7.5 ms of CPU instead of 11.7 (median of 50,
    the dashboard bench's database)."""
    return html.escape(str(text))


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


def value_text(value: float, unit: str) -> str:
    """A value as an axis or a title shows it: milliseconds from a second up read as s."""
    if unit.strip() == "ms" and value >= 1000:
        return f"{value / 1000:.3g} s"
    return f"{value:g}{unit}"


def _open(title: str, desc: str, *, height: int = HEIGHT, css: str = "") -> str:
    uid = f"chart{next(_ids)}"
    return (
        f'<svg class="chart {css}" width="100%" height="{height}" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
    )


def _share(moment: datetime, start: datetime, end: datetime) -> float:
    total = (end - start).total_seconds() or 1.0
    return max(0.0, min(1.0, (moment - start).total_seconds() / total))


def _ticks(start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """Round moments strictly inside (start, end), each with a label no other one shares."""
    span = end - start
    step, fmt = next(((s, f) for s, f in _TICKS if span / s <= 7), _TICKS[-1])
    # Under a day, ticks on round times of the clock; from a day up, every step days
    # from the first midnight.
    midnight = datetime.combine(start.date(), datetime.min.time(), tzinfo=start.tzinfo or UTC)
    unit = min(step, timedelta(days=1))
    moment = midnight + ((start - midnight) // unit + 1) * unit
    ticks = []
    while moment < end:
        ticks.append((moment, f"{moment:{fmt}}"))
        moment += step
    return ticks


def _time_axis(start: datetime, end: datetime, height: int) -> str:
    base = height - 6
    parts = []
    for moment, label in _ticks(start, end):
        share = _share(moment, start, end)
        if not _EDGE <= share <= 1 - _EDGE:
            continue  # centred there, the label would run off a phone-width chart
        x, axis = f"{100 * share:.2f}%", height - PAD_BOTTOM
        parts.append(
            f'<text x="{x}" y="{base}" text-anchor="middle">{label}</text>'
            f'<line class="chart-tick" x1="{x}" y1="{axis}" x2="{x}" y2="{axis + 4}"/>'
        )
    return "".join(parts)


def empty_chart(*, title: str, message: str) -> SafeString:
    """A placeholder with the same accessible frame when there is nothing to draw."""
    head = _open(title, message, height=60, css="chart-empty")
    return mark_safe(  # noqa: S308 - every interpolated value is escaped above/here
        f'{head}<text x="50%" y="34" text-anchor="middle">{escape(message)}</text></svg>'
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
        x1, x2 = _share(span.start, start, end), _share(span.end, start, end)
        seconds = (min(span.end, end) - max(span.start, start)).total_seconds()
        totals[span.status] = totals.get(span.status, 0.0) + max(0.0, seconds)
        label = f"{span.status} from {span.start:%Y-%m-%d %H:%M} to {span.end:%Y-%m-%d %H:%M}"
        blocks.append(
            f'<rect class="chart-{escape(span.status)}" x="{100 * x1:.2f}%" y="8" '
            f'width="{max(100 * (x2 - x1), 0.2):.2f}%" height="28">'
            f"<title>{escape(label)} UTC</title></rect>"
        )
    whole = sum(totals.values()) or 1.0
    share = ", ".join(
        f"{status} {100 * seconds / whole:.1f}%"
        for status, seconds in sorted(totals.items(), key=lambda kv: -kv[1])
    )
    desc = f"Status from {start:%Y-%m-%d} to {end:%Y-%m-%d} UTC: {share}."
    head = _open(title, desc, height=height, css="chart-timeline")
    return mark_safe(f"{head}{''.join(blocks)}{_time_axis(start, end, height)}</svg>")  # noqa: S308


def _scale(values: list[float]) -> float:
    top = max(values, default=0.0)
    if top <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(top))) - 1)
    return float(((int(top) // magnitude) + 1) * magnitude)


def _y(value: float, top: float) -> float:
    inner = HEIGHT - PAD_TOP - PAD_BOTTOM
    return PAD_TOP + inner - (value / top) * inner


def _y_axis(top: float, unit: str) -> str:
    """Gridlines at the top, middle and zero, each value written above its line's left end
    (inside the chart: a label never runs off its edge)."""
    parts = []
    for value in (top, top / 2, 0.0):
        y = _y(value, top)
        parts.append(
            f'<line class="chart-axis" x1="0" y1="{y:.1f}" x2="100%" y2="{y:.1f}"/>'
            f'<text class="chart-y" x="2" y="{y - 3:.1f}">{escape(value_text(value, unit))}</text>'
        )
    return "".join(parts)


@lru_cache(maxsize=2048)
def _when(moment: datetime) -> str:
    # Cached: /ops/'s four charts title the same day of 5-minute buckets up to 4 times.
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def line_chart(
    *,
    series: Sequence[Series],
    start: datetime,
    end: datetime,
    title: str,
    unit: str = "",
) -> SafeString:
    """Lines over time on a shared y scale starting at zero; gaps where a value is None."""
    values = [v for s in series for _, v in s.points if v is not None]
    if not values:
        return empty_chart(title=title, message="No measurements in this period.")
    top = _scale(values)
    lines: list[str] = []
    points: list[str] = []
    summary: list[str] = []
    # A day holds 288 points a line: plain arithmetic on timestamps in the loop.
    origin, total = start.timestamp(), (end - start).total_seconds() or 1.0
    inner_y = HEIGHT - PAD_TOP - PAD_BOTTOM
    for line in series:
        runs: list[list[tuple[str, str]]] = [[]]  # (plot coordinates, point with its title)
        name = escape(line.name)
        for moment, value in line.points:
            if value is None:
                runs.append([])
                continue
            share = max(0.0, min(1.0, (moment.timestamp() - origin) / total))
            y = inner_y - (value / top) * inner_y
            hover = f"{name} at {_when(moment)}: {escape(value_text(value, unit))}"
            where = f'cx="{100 * share:.2f}%" cy="{PAD_TOP + y:.1f}" r="3"'
            runs[-1].append((f"{share * _SPAN:.1f},{y:.1f}", f"{where}><title>{hover}"))
        for run in runs:
            if len(run) > 1:
                coordinates = " ".join(c for c, _ in run)
                lines.append(f'<polyline class="{line.css}" points="{coordinates}"/>')
            alone = " chart-alone" if len(run) == 1 else ""  # no line through it: show it
            points.extend(f'<circle class="{line.css} chart-point{alone}" {p}</title></circle>'
                          for _, p in run)  # fmt: skip
        present = [v for _, v in line.points if v is not None]
        summary.append(
            f"{line.name}: min {value_text(min(present), unit)}, "
            f"max {value_text(max(present), unit)}, latest {value_text(present[-1], unit)}"
            if present
            else f"{line.name}: no data"
        )
    desc = f"From {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC. " + "; ".join(summary) + "."
    head = _open(title, desc)
    plot = (
        f'<svg x="0" y="{PAD_TOP}" width="100%" height="{inner_y}" '
        f'viewBox="0 0 {_SPAN:g} {inner_y}" preserveAspectRatio="none" overflow="visible">'
        f"{''.join(lines)}</svg>"
    )
    legend = "".join(
        f'<text class="{s.css}-label" x="100%" dx="{-6 - 48 * i}" y="12" text-anchor="end">'
        f"{escape(s.name)}</text>"
        for i, s in enumerate(reversed(series))
    )
    axes = _y_axis(top, unit) + _time_axis(start, end, HEIGHT)
    return mark_safe(f"{head}{axes}{plot}{''.join(points)}{legend}</svg>")  # noqa: S308 - escaped


def bar_chart(
    *,
    points: Sequence[tuple[datetime, float]],
    start: datetime,
    end: datetime,
    step_seconds: float,
    title: str,
    unit: str = "",
) -> SafeString:
    """One bar per time bucket (e.g. checks per minute in each 5-minute bucket)."""
    if not points:
        return empty_chart(title=title, message="Nothing measured in this period.")
    top = _scale([v for _, v in points])
    total = (end - start).total_seconds() or 1.0
    bar = max(0.1, 100 * step_seconds / total * 0.9)
    # A day holds 288 bars: the loop stays plain arithmetic and string formatting.
    origin, base = start.timestamp(), HEIGHT - PAD_BOTTOM
    bars = []
    for moment, value in points:
        y = _y(value, top)
        x = 100 * max(0.0, min(1.0, (moment.timestamp() - origin) / total))
        bars.append(
            f'<rect class="chart-bar" x="{x:.2f}%" y="{y:.1f}" width="{bar:.2f}%" '
            f'height="{base - y:.1f}"><title>{_when(moment)}: '
            f"{escape(value_text(value, unit))}</title></rect>"
        )
    values = [v for _, v in points]
    desc = (
        f"From {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC: average "
        f"{sum(values) / len(values):.1f}{unit}, peak {value_text(max(values), unit)}, "
        f"latest {value_text(values[-1], unit)}."
    )
    head = _open(title, desc)
    axes = _y_axis(top, unit) + _time_axis(start, end, HEIGHT)
    return mark_safe(f"{head}{''.join(bars)}{axes}</svg>")  # noqa: S308 - escaped
