"""Inline SVG bar charts, drawn on the server: no JavaScript, no CDN, a tooltip per bar.

One bar per run, oldest on the left; the colour says how the run ended. Where a threshold fails the
run, a dashed line marks, per run, the most that measure could reach before the run failed (the
threshold times the count it is a share of). More runs than the chart has room for are grouped: a
bar then shows the highest value of its runs, and is red if any of them failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 360, 130
LEFT, RIGHT, TOP, BOTTOM = 46, 6, 8, 18
MAX_BARS = 180


@dataclass(frozen=True)
class Bar:
    """One run (or a group of runs) in a chart."""

    run_id: str
    value: float
    state: str  # success | failed | dry_run
    when: str  # the run's end, for the x axis and the tooltip
    href: str = ""
    limit: float | None = None  # the threshold line at this run
    runs: int = 1


def compact(value: float) -> str:
    """1234 -> 1,234; 1234567 -> 1.2M; 12.345 -> 12.3 (axis labels and tooltips)."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 100_000:
        return f"{value / 1000:.0f}k"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def spans(count: int, most: int = MAX_BARS) -> list[tuple[int, int]]:
    """(start, stop) of the consecutive runs each bar stands for: one run a bar up to ``most`` runs."""
    size = max(1, -(-count // most))
    return [(start, min(start + size, count)) for start in range(0, count, size)]


def group(bars: Sequence[Bar], most: int = MAX_BARS) -> list[Bar]:
    """At most ``most`` bars: consecutive runs grouped, each group showing its highest value."""
    if len(bars) <= most:
        return list(bars)
    out = []
    for start, stop in spans(len(bars), most):
        part = bars[start:stop]
        limits = [b.limit for b in part if b.limit is not None]
        out.append(
            Bar(
                run_id=part[-1].run_id,
                value=max(b.value for b in part),
                state="failed" if any(b.state == "failed" for b in part) else part[-1].state,
                when=part[-1].when,
                href=part[-1].href,
                limit=max(limits) if limits else None,
                runs=sum(b.runs for b in part),
            )
        )
    return out


def _nice_top(value: float) -> float:
    """The y axis top: the value rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def bar_chart(
    title: str,
    measure: str,
    bars: Sequence[Bar],
    *,
    dag_id: str = "",
    threshold_label: str = "",
    latest: float | None = None,
) -> Markup:
    """An SVG chart of ``bars`` (oldest first) with its title; a text line when there are no runs.

    ``bars`` may be grouped already (``Bar.runs`` > 1): ``latest`` is then the newest run's own value.
    """
    shown = group(bars)
    runs = sum(b.runs for b in bars)
    if latest is None and bars:
        latest = bars[-1].value
    head = (
        f'<figure class="chart" data-dag="{escape(dag_id)}" data-measure="{escape(measure)}" '
        f'data-runs="{runs}" data-latest="{"" if latest is None else compact(latest)}">'
        f'<figcaption>{escape(title)}<span class="latest">'
        f"{'' if latest is None else 'last ' + compact(latest)}</span></figcaption>"
    )
    if not shown:
        return Markup(head + '<p class="empty">no runs yet</p></figure>')  # noqa: S704 - escaped above
    top = _nice_top(max([b.value for b in shown] + [b.limit or 0 for b in shown]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(shown)
    gap = min(2.0, slot * 0.2)

    def y(value: float) -> float:
        return TOP + plot_h - (value / top) * plot_h

    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{compact(top)}</text>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
        f'<text class="tick" x="{LEFT}" y="{HEIGHT - 4}">{escape(shown[0].when[:10])}</text>',
        f'<text class="tick" x="{WIDTH - RIGHT}" y="{HEIGHT - 4}" text-anchor="end">'
        f"{escape(shown[-1].when[:10])}</text>",
    ]
    for i, bar in enumerate(shown):
        x = LEFT + i * slot
        height = max(TOP + plot_h - y(bar.value), 0.0 if bar.value == 0 else 1.0)
        who = f"{bar.runs} runs to {bar.run_id} (highest)" if bar.runs > 1 else bar.run_id
        tip = f"{who}, {bar.when}: {compact(bar.value)} ({bar.state})"
        if bar.limit is not None:
            tip += f"; the run fails above {compact(bar.limit)}"
        # the transparent full-height target lets runs at 0 be hovered and clicked too
        body = (
            f'<title>{escape(tip)}</title><rect class="hit" x="{x:.1f}" y="{TOP}" width="{slot:.1f}" '
            f'height="{plot_h}"/><rect class="bar {bar.state}" x="{x + gap / 2:.1f}" '
            f'y="{TOP + plot_h - height:.1f}" width="{max(slot - gap, 0.5):.1f}" height="{height:.1f}" '
            f'data-run-id="{escape(bar.run_id)}" data-value="{bar.value:g}"/>'
        )
        parts.append(f'<a href="{escape(bar.href)}">{body}</a>' if bar.href else f"<g>{body}</g>")
    limits = [(i, b.limit) for i, b in enumerate(shown) if b.limit is not None]
    if limits:
        points = " ".join(
            f"{LEFT + i * slot:.1f},{y(v):.1f} {LEFT + (i + 1) * slot:.1f},{y(v):.1f}" for i, v in limits
        )
        label = escape(threshold_label)
        parts.append(f'<polyline class="threshold" points="{points}"><title>{label}</title></polyline>')
    parts.append("</svg>")
    return Markup(head + "".join(parts) + "</figure>")  # noqa: S704 - every value is escaped above
