"""The static forecast report: one HTML file, styles inline, charts as inline SVG, no script
and nothing fetched, so it opens anywhere and can be mailed as it is.

``render_report`` takes what to show (already worked out by ``services/forecast/report``)
and returns the page; every text from the data is escaped by jinja2's autoescape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from jinja2 import Environment
from markupsafe import Markup

from hub.render.forecast_chart import Chart, svg


@dataclass(frozen=True, slots=True)
class Section:
    """One SKU: its chart, the facts under it, and a warning (e.g. the baseline wins)."""

    sku: str
    chart: Chart
    facts: list[str] = field(default_factory=list)
    warning: str | None = None


_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin: 1.6em 0 .2em; }
.meta { color: #666; } .warn { color: #a40; font-weight: 600; }
table { border-collapse: collapse; margin-top: 1em; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
tr.due td { background: #fff4e5; }
svg .grid { stroke: #eee; } svg .tick { font-size: 11px; fill: #777; }
svg .now { stroke: #999; stroke-dasharray: 4 3; }
svg .history { fill: none; stroke: #333; stroke-width: 1.5; }
svg .mean { fill: none; stroke: #1f62b4; stroke-width: 2; }
svg .band80 { fill: #1f62b4; fill-opacity: .28; } svg .band95 { fill: #1f62b4; fill-opacity: .12; }
.legend span { margin-right: 1.5em; }
</style></head><body>
<h1>{{ title }}</h1>
<p class="meta">{% for line in notes %}{{ line }}<br>{% endfor %}</p>
<h2>Replenishment</h2>
{% if rows %}<table><thead><tr>{% for h in head %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for row, due in rows %}<tr{% if due %} class="due"{% endif %}>
{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% else %}<p>Nothing to show: no stock, demand or purchase orders yet.</p>{% endif %}
<h2>Forecasts</h2>
<p class="legend meta"><span>&#9472; history (units per week)</span>
<span style="color:#1f62b4">&#9472; forecast</span><span>shaded: 80 % and 95 % intervals</span></p>
{% for s in sections %}<section><h2>{{ s.sku }}</h2>
<p class="meta">{{ s.facts | join(" · ") }}</p>
{% if s.warning %}<p class="warn">{{ s.warning }}</p>{% endif %}
{{ s.svg }}</section>
{% else %}<p>No forecasts yet: run <code>hub forecast run</code>.</p>{% endfor %}
</body></html>
"""

_env = Environment(autoescape=True, keep_trailing_newline=True)


def render_report(
    *,
    title: str,
    notes: Sequence[str],
    head: Sequence[str],
    rows: Sequence[tuple[Sequence[str], bool]],
    sections: Sequence[Section],
) -> str:
    """The page. ``rows``: the replenishment table's cells, each with whether it is due."""
    charted = [
        {"sku": s.sku, "facts": s.facts, "warning": s.warning, "svg": Markup(svg(s.chart))}  # noqa: S704 - our own markup, numbers only
        for s in sections
    ]
    template = _env.from_string(_TEMPLATE)
    return template.render(title=title, notes=notes, head=head, rows=rows, sections=charted)
