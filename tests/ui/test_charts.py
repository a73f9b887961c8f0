"""SVG bar charts: one bar per run, grouped past the room a chart has, a threshold line, escaped text."""

from __future__ import annotations

from netsuite_acton.ui.charts import MAX_BARS, Bar, bar_chart, compact, group


def _bars(n: int, **kw) -> list[Bar]:
    return [
        Bar(run_id=f"r{i}", value=float(i), state="success", when=f"2026-12-01 {i % 24:02d}:00", **kw)
        for i in range(n)
    ]


def test_compact_numbers() -> None:
    assert [compact(v) for v in (0, 1234, 250_000, 3_400_000, 12.345, 7.0)] == [
        "0",
        "1,234",
        "250k",
        "3.4M",
        "12.3",
        "7",
    ]


def test_group_keeps_the_highest_value_and_any_failure() -> None:
    bars = _bars(10)
    bars[3] = Bar(run_id="r3", value=3, state="failed", when="x")
    grouped = group(bars, most=5)
    assert [(b.value, b.runs, b.state) for b in grouped] == [
        (1, 2, "success"),
        (3, 2, "failed"),
        (5, 2, "success"),
        (7, 2, "success"),
        (9, 2, "success"),
    ]
    assert group(bars, most=10) == bars


def test_one_bar_per_run_up_to_the_limit() -> None:
    svg = str(bar_chart("Extracted", "extracted", _bars(40), dag_id="d"))
    assert svg.count('class="bar success"') == 40
    assert 'data-runs="40"' in svg
    assert 'data-latest="39"' in svg
    many = str(bar_chart("Extracted", "extracted", _bars(5000)))
    assert MAX_BARS - 5 < many.count('<rect class="bar') <= MAX_BARS
    assert "runs to r" in many  # a grouped bar says which runs it stands for


def test_threshold_line_and_empty_chart() -> None:
    svg = str(bar_chart("Quarantined", "quarantined", _bars(3, limit=50.0), threshold_label="fails above"))
    assert 'class="threshold"' in svg
    assert "the run fails above 50" in svg
    assert "no runs yet" in str(bar_chart("Loaded", "loaded", []))


def test_text_is_escaped() -> None:
    svg = str(
        bar_chart("<b>", "m", [Bar(run_id="<script>", value=1, state="success", when="t", href="/x?a=1&b=2")])
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&amp;b=2" in svg
