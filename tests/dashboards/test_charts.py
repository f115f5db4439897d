"""The SVG chart module: pure functions, accessible output, escaped text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from connectors.ops import charts

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_timeline_describes_time_share_per_status() -> None:
    svg = charts.timeline_chart(
        spans=[charts.Span(T0, T0 + timedelta(days=3), "healthy"),
               charts.Span(T0 + timedelta(days=3), T0 + timedelta(days=4), "revoked")],
        start=T0, end=T0 + timedelta(days=4), title="Status",
    )  # fmt: skip
    assert 'role="img"' in svg
    assert "<title" in svg
    assert "healthy 75.0%, revoked 25.0%" in svg
    assert 'class="chart-revoked"' in svg
    assert "style=" not in svg


def test_line_chart_leaves_gaps_and_summarises() -> None:
    points = [(T0 + timedelta(hours=h), v) for h, v in enumerate([100.0, None, 300.0, 200.0])]
    svg = charts.line_chart(
        series=[charts.Series("latency", points)],
        start=T0, end=T0 + timedelta(hours=3), title="Latency", unit=" ms",
    )  # fmt: skip
    assert "min 100 ms, max 300 ms, latest 200 ms" in svg
    assert svg.count("<circle") == 3  # one per value, each with its <title>
    assert svg.count("chart-alone") == 1  # the point with no line through it shows
    assert svg.count("<polyline") == 1


def test_bar_chart_has_a_title_per_bar() -> None:
    points = [(T0 + timedelta(minutes=5 * k), float(k)) for k in range(4)]
    svg = charts.bar_chart(points=points, start=T0, end=T0 + timedelta(minutes=20),
                           step_seconds=300, title="Throughput", unit="/min")  # fmt: skip
    assert svg.count('class="chart-bar"') == 4
    assert "peak 3/min" in svg


def test_empty_charts_say_so() -> None:
    svg = charts.line_chart(series=[], start=T0, end=T0, title="Latency")
    assert "No measurements in this period." in svg
    assert 'role="img"' in svg


def test_text_is_escaped() -> None:
    svg = charts.timeline_chart(
        spans=[charts.Span(T0, T0 + timedelta(hours=1), "<b>")],
        start=T0, end=T0 + timedelta(hours=1), title="<script>x</script>",
    )  # fmt: skip
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "<b>" not in svg


# The table of what the charts got wrong, and what each should read instead.
def test_the_y_axis_names_large_values_whole_and_in_seconds() -> None:
    points = [(T0 + timedelta(minutes=k), v) for k, v in enumerate([120.0, 20000.0, 900.0])]
    svg = charts.line_chart(series=[charts.Series("latency", points)], start=T0,
                            end=T0 + timedelta(minutes=3), title="Latency", unit=" ms")  # fmt: skip
    labels = re.findall(r'<text class="chart-y"[^>]*>([^<]*)</text>', svg)
    assert labels == ["30 s", "15 s", "0 ms"]
    # Each label starts inside the chart, above its gridline: nothing to clip.
    assert all(float(x) >= 0 for x in re.findall(r'class="chart-y" x="([-\d.]+)"', svg))


DAY_AXES = [
    # (span, labels expected: round times inside it, at most seven, none within 8% of an
    # end, where a centred label would be cut off)
    (timedelta(hours=24), ["12:00", "18:00", "00:00"]),  # 06:00 is at 94.6%
    (timedelta(hours=1), ["07:30", "07:40", "07:50", "08:00", "08:10"]),  # 07:20 at 3.3%
    (timedelta(days=7), ["Jan 02", "Jan 03", "Jan 04", "Jan 05", "Jan 06", "Jan 07"]),
    (timedelta(days=30), ["Jan 07", "Jan 12", "Jan 17", "Jan 22", "Jan 27"]),
]


def test_time_axes_label_distinct_real_times() -> None:
    start = T0 + timedelta(hours=7, minutes=18)  # the "07:18 ... 07:18"
    for span, expected in DAY_AXES:
        begin = start if span <= timedelta(days=1) else T0
        svg = charts.bar_chart(points=[(begin, 1.0)], start=begin, end=begin + span,
                               step_seconds=300, title="Throughput")  # fmt: skip
        labels = re.findall(r'<text x="[\d.]+%" y="\d+" text-anchor="\w+">([^<]*)</text>', svg)
        assert labels == expected, span
        assert len(set(labels)) == len(labels)


def test_every_point_and_bar_has_its_value_in_a_title() -> None:
    points = [(T0 + timedelta(minutes=5 * k), float(v)) for k, v in enumerate([4, 1500, 7])]
    end = T0 + timedelta(minutes=15)
    line = charts.line_chart(series=[charts.Series("p95", points)], start=T0, end=end,
                             title="Latency", unit=" ms")  # fmt: skip
    for title in ["p95 at 2026-01-01 00:00 UTC: 4 ms", "p95 at 2026-01-01 00:05 UTC: 1.5 s",
                  "p95 at 2026-01-01 00:10 UTC: 7 ms"]:  # fmt: skip
        assert f"<title>{title}</title>" in line
    bars = charts.bar_chart(points=points, start=T0, end=T0 + timedelta(minutes=15),
                            step_seconds=300, title="Throughput", unit="/min")  # fmt: skip
    assert "<title>2026-01-01 00:05 UTC: 1500/min</title>" in bars


def test_a_chart_keeps_its_own_title_beside_its_points_titles() -> None:
    points = [(T0 + timedelta(minutes=k), 5.0) for k in range(2)]
    svg = charts.line_chart(series=[charts.Series("p50", points)], start=T0,
                            end=T0 + timedelta(minutes=2), title="Latency, last hour")  # fmt: skip
    assert re.search(r'<title id="chart\d+-t">Latency, last hour</title>', svg)
