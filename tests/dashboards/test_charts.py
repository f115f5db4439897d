"""The SVG chart module: pure functions, accessible output, escaped text."""

from __future__ import annotations

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
    assert svg.count("<circle") == 1
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
