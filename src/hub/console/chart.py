"""The Today page's chart, drawn on the server as SVG: orders per hour, one stacked bar per
hour with a segment per channel. Colours tell the channels apart only together with the
legend's names and the table beside the chart (no figure is shown by colour alone)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 220, 36, 24, 8
COLOURS = ("#1f5fa8", "#c45a00", "#2d7d46", "#8a3ea8", "#a8323e", "#5a6570")


@dataclass(frozen=True, slots=True)
class Series:
    channel: str
    colour: str
    counts: list[int]


def series(hours: dict[str, list[int]]) -> list[Series]:
    return [
        Series(channel, COLOURS[i % len(COLOURS)], counts)
        for i, (channel, counts) in enumerate(sorted(hours.items()))
    ]


def _scale(top: int) -> int:
    """A round number at or above ``top`` for the axis: 5, 10, 25, 50, 100, 250 ..."""
    n, steps = 5, itertools.cycle((2, 2.5, 2))
    while n < top:
        n = int(n * next(steps))
    return n


def svg(start: datetime, lines: list[Series], hours: int = 24) -> Markup:
    totals = [sum(s.counts[h] for s in lines) for h in range(hours)]
    top = _scale(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - BOTTOM - TOP
    bar_w = plot_w / hours
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'role="img" aria-labelledby="chart-title" class="chart">',
        '<title id="chart-title">Orders per channel per hour, last 24 hours '
        "(the table below gives every figure)</title>",
    ]
    for tick in (0, top // 2, top):
        y = TOP + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 4}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for h in range(hours):
        x = LEFT + h * bar_w
        y = TOP + plot_h
        for s in lines:
            n = s.counts[h]
            if not n:
                continue
            height = plot_h * n / top
            y -= height
            label = escape(f"{s.channel}: {n} orders at {(start + timedelta(hours=h)):%H}:00")
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{height:.1f}" fill="{s.colour}"><title>{label}</title></rect>'
            )
        if h % 3 == 0:
            hour = f"{(start + timedelta(hours=h)):%H}"
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{hour}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text in it is escaped above)
