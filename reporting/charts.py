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


WIDTH, HEIGHT, LEFT, RIGHT, BOTTOM, TOP = 640, 220, 48, 30, 28, 12
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP


@dataclass(frozen=True)
class Frame:
    """The axes of a chart: value 0..peak upwards, labels spread evenly from left to right."""

    labels: Sequence[str]
    peak: Decimal

    def x(self, i: int) -> float:
        return LEFT + PLOT_W * i / max(len(self.labels) - 1, 1)

    def y(self, value: Decimal) -> float:
        return TOP + PLOT_H - float(value / self.peak) * PLOT_H

    def open(self, title: str) -> list[str]:
        """The svg element, its title, the grid with value labels and the x labels."""
        parts = [
            f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}"'
            ' xmlns="http://www.w3.org/2000/svg">',
            f"<title>{escape(title)}</title>",
        ]
        for fraction in (0, 0.5, 1):
            gy = TOP + PLOT_H * (1 - fraction)
            parts.append(
                f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="#e3e7ee"/>'
            )
            parts.append(
                f'<text x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end" font-size="11" fill="#667085">'
                f"{_short(self.peak * Decimal(str(fraction)))}</text>"
            )
        step = max(1, -(-len(self.labels) // 7))
        for i, label in enumerate(self.labels):
            if i % step == 0 or i == len(self.labels) - 1:
                parts.append(
                    f'<text x="{self.x(i):.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="11"'
                    f' fill="#667085">{escape(label)}</text>'
                )
        return parts

    def line(self, values: Sequence[Decimal], color: str, tips: Sequence[str]) -> list[str]:
        points = " ".join(f"{self.x(i):.1f},{self.y(v):.1f}" for i, v in enumerate(values))
        parts = [f'<polyline fill="none" stroke="{color}" stroke-width="2.5" points="{points}"/>']
        for i, (value, tip) in enumerate(zip(values, tips, strict=True)):
            parts.append(
                f'<circle cx="{self.x(i):.1f}" cy="{self.y(value):.1f}" r="3.5" fill="{color}">'
                f"<title>{escape(tip)}</title></circle>"
            )
        return parts


def _svg(parts: list[str]) -> SafeString:
    return mark_safe("".join([*parts, "</svg>"]))  # noqa: S308 - every text in the parts is escaped


def line_chart(labels: Sequence[str], series: Sequence[Series], *, title: str, money) -> SafeString:
    """Lines over months; `money` formats a value for the tooltips."""
    frame = Frame(labels, _nice_max(max((v for s in series for v in s.values), default=Decimal(0))))
    parts = frame.open(title)
    for s in series:
        tips = [f"{s.label} {label}: {money(v)}" for label, v in zip(labels, s.values, strict=True)]
        parts += frame.line(s.values, COLORS.get(s.key, "#555"), tips)
    return _svg(parts)


def legend(series: Sequence[Series]) -> SafeString:
    items = "".join(
        format_html('<span><i style="background:{}"></i>{}</span>', COLORS.get(s.key, "#555"), s.label)
        for s in series
    )
    return format_html('<div class="legend">{}</div>', mark_safe(items))  # noqa: S308 - built by format_html


def band_chart(labels: Sequence[str], central, low, high, *, title: str, money) -> SafeString:
    """A line with a shaded range around it (the cumulative forecast and its early/late scenarios)."""
    frame = Frame(labels, _nice_max(max([*central, *low, *high], default=Decimal(0))))
    parts = frame.open(title)
    upper = " ".join(f"{frame.x(i):.1f},{frame.y(v):.1f}" for i, v in enumerate(high))
    lower = " ".join(f"{frame.x(i):.1f},{frame.y(v):.1f}" for i, v in reversed(list(enumerate(low))))
    parts.append(f'<polygon points="{upper} {lower}" fill="{COLORS["open"]}" fill-opacity="0.15"/>')
    tips = [f"{labels[i]}: {money(v)} ({money(low[i])} – {money(high[i])})" for i, v in enumerate(central)]
    parts += frame.line(central, COLORS["open"], tips)
    return _svg(parts)
