"""A forecast chart as inline SVG: weekly history, the forecast mean and its 80 % and 95 %
intervals as bands, drawn on the server (no script, no CDN, no font files).

Pure: the same chart data gives the same markup. Text is escaped by the caller's template
(``forecast_report``); this module writes only numbers, dates and fixed words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28


@dataclass(frozen=True, slots=True)
class Chart:
    """One series: ``history`` per week from ``history_start``; the forecast per week from
    ``forecast_start`` with its bands."""

    history_start: date
    history: list[float]
    forecast_start: date
    mean: list[float]
    lo80: list[float]
    hi80: list[float]
    lo95: list[float]
    hi95: list[float]


def nice_top(value: float) -> float:
    """A round number at or above ``value`` for the y axis (1, 2, 2.5 or 5 x 10^n)."""
    if value <= 0:
        return 1.0
    scale = 10 ** math.floor(math.log10(value))
    return next(m * scale for m in (1, 2, 2.5, 5, 10) if m * scale >= value)


class _Frame:
    """Maps (week index, units) to SVG coordinates."""

    def __init__(self, weeks: int, top: float) -> None:
        self.weeks = max(weeks, 2)
        self.top = top

    def x(self, week: float) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * week / (self.weeks - 1), 1)

    def y(self, units: float) -> float:
        return round(HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * units / self.top, 1)

    def points(self, start: int, values: list[float]) -> str:
        return " ".join(f"{self.x(start + i)},{self.y(v)}" for i, v in enumerate(values))


def _band(frame: _Frame, start: int, lo: list[float], hi: list[float], css: str) -> str:
    upper = frame.points(start, hi)
    lower = " ".join(reversed(frame.points(start, lo).split(" ")))
    return f'<polygon class="{css}" points="{upper} {lower}"/>'


def _axes(frame: _Frame, chart: Chart, offset: int) -> list[str]:
    out = []
    for i in range(5):
        units = frame.top * i / 4
        y = frame.y(units)
        label = f"{units:g}" if units < 10_000 else f"{units / 1000:g}k"
        out.append(f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
        out.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{label}</text>'
        )
    x = frame.x(offset - 0.5)
    out.append(f'<line class="now" x1="{x}" y1="{TOP}" x2="{x}" y2="{HEIGHT - BOTTOM}"/>')
    last = chart.forecast_start + timedelta(weeks=len(chart.mean) - 1)
    for week, day, anchor in (
        (0, chart.history_start, "start"),
        (offset, chart.forecast_start, "middle"),
        (frame.weeks - 1, last, "end"),
    ):
        ty = HEIGHT - 8
        out.append(
            f'<text class="tick" x="{frame.x(week)}" y="{ty}" text-anchor="{anchor}">{day}</text>'
        )
    return out


def svg(chart: Chart) -> str:
    """The chart as an ``<svg>`` element (CSS classes styled by the report)."""
    offset = len(chart.history)
    frame = _Frame(offset + len(chart.mean), nice_top(max([*chart.history, *chart.hi95, 0.0])))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img">',
        *_axes(frame, chart, offset),
    ]
    if chart.mean:
        parts.append(_band(frame, offset, chart.lo95, chart.hi95, "band95"))
        parts.append(_band(frame, offset, chart.lo80, chart.hi80, "band80"))
    if chart.history:
        parts.append(f'<polyline class="history" points="{frame.points(0, chart.history)}"/>')
    if chart.mean:
        parts.append(f'<polyline class="mean" points="{frame.points(offset, chart.mean)}"/>')
    parts.append("</svg>")
    return "\n".join(parts)
