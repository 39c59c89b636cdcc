"""Charts as server-side SVG: no chart library, nothing loaded from elsewhere, readable without JavaScript.

Each chart has a <title> per mark (the browser shows it as a tooltip) and a text
table beside it on the page, so the numbers are never only in the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

COLORS = {
    "open": "#2f6fdb",
    "overdue": "#c0392b",
    "not_due": "#2e9e5b",
    "d1_30": "#e0b020",
    "d31_60": "#e8891c",
    "d61_90": "#d8612a",
    "d90_plus": "#b02a2a",
}


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: Sequence[Decimal]


def _nice_max(value: Decimal) -> Decimal:
    """A round axis maximum at or above value (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return Decimal(1)
    exponent = len(str(int(value))) - 1
    base = Decimal(10) ** exponent
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= base * step:
            return base * step
    return base * 10


def _short(value: Decimal) -> str:
    """Axis labels: 1.2M, 350k."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if value >= 1_000:
        return f"{value / 1_000:.0f}k"
    return f"{value:.0f}"


def line_chart(labels: Sequence[str], series: Sequence[Series], *, title: str, money) -> SafeString:
    """Lines over months; `money` formats a value for the tooltips."""
    width, height, left, right, bottom, top = 640, 220, 48, 30, 28, 12
    plot_w, plot_h = width - left - right, height - bottom - top
    peak = _nice_max(max((v for s in series for v in s.values), default=Decimal(0)))
    n = max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: Decimal) -> float:
        return top + plot_h - float(v / peak) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        gy = top + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="#e3e7ee"/>')
        parts.append(
            f'<text x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end" font-size="11" fill="#667085">'
            f"{_short(peak * Decimal(str(fraction)))}</text>"
        )
    step = max(1, -(-len(labels) // 7))
    for i, label in enumerate(labels):
        if i % step == 0 or i == len(labels) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" font-size="11" fill="#667085">'
                f"{escape(label)}</text>"
            )
    for s in series:
        color = COLORS.get(s.key, "#555")
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.5" points="{points}"/>')
        for i, v in enumerate(s.values):
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{color}">'
                f"<title>{escape(s.label)} {escape(labels[i])}: {escape(money(v))}</title></circle>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def legend(series: Sequence[Series]) -> SafeString:
    items = "".join(
        format_html('<span><i style="background:{}"></i>{}</span>', COLORS.get(s.key, "#555"), s.label)
        for s in series
    )
    return format_html('<div class="legend">{}</div>', mark_safe(items))  # noqa: S308 - built by format_html


def band_chart(labels: Sequence[str], central, low, high, *, title: str, money) -> SafeString:
    """A line with a shaded range around it (the cumulative forecast and its early/late scenarios)."""
    width, height, left, right, bottom, top = 640, 220, 48, 30, 28, 12
    plot_w, plot_h = width - left - right, height - bottom - top
    peak = _nice_max(max([*central, *low, *high], default=Decimal(0)))
    n = max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: Decimal) -> float:
        return top + plot_h - float(v / peak) * plot_h

    upper = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(high))
    lower = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in reversed(list(enumerate(low))))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        gy = top + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="#e3e7ee"/>')
        parts.append(
            f'<text x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end" font-size="11" fill="#667085">'
            f"{_short(peak * Decimal(str(fraction)))}</text>"
        )
    step = max(1, -(-len(labels) // 7))
    for i, label in enumerate(labels):
        if i % step == 0 or i == len(labels) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" font-size="11" fill="#667085">'
                f"{escape(label)}</text>"
            )
    parts.append(f'<polygon points="{upper} {lower}" fill="{COLORS["open"]}" fill-opacity="0.15"/>')
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(central))
    parts.append(f'<polyline fill="none" stroke="{COLORS["open"]}" stroke-width="2.5" points="{points}"/>')
    for i, v in enumerate(central):
        tip = f"{labels[i]}: {money(v)} ({money(low[i])} – {money(high[i])})"
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{COLORS["open"]}">'
            f"<title>{escape(tip)}</title></circle>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
