"""``hub forecast report``: the replenishment list and, per SKU, a chart of its history,
forecast and intervals, written as one static HTML file (``hub.render.forecast_report``).

SKUs are charted in the order of the replenishment list (shortest cover first), then the
remaining forecast SKUs by demand, up to ``limit``; each chart shows the last year of
weekly history and the forecast over every channel.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.render.forecast_chart import Chart
from hub.render.forecast_report import Section, render_report
from hub.services.forecast.results import ForecastDetail, detail, require_forecasts
from hub.services.replenishment import Line, plan
from hub.store import forecasts as store
from hub.store.database import Database

HISTORY_WEEKS = 52
HEAD = (
    "SKU",
    "location",
    "days of cover",
    "demand / day",
    "on hand",
    "reserved",
    "on order",
    "safety stock",
    "reorder point",
    "order up to",
    "order now",
    "supplier",
)


def _row(ln: Line) -> tuple[list[str], bool]:
    cover = "" if ln.days_of_cover is None else f"{ln.days_of_cover:.1f}"
    cells = [ln.sku, ln.location, cover, f"{ln.demand_per_day:.2f}"]
    cells += [str(v) for v in (ln.on_hand, ln.reserved, ln.on_order, ln.safety_stock)]
    cells += [str(ln.reorder_point), str(ln.order_up_to)]
    cells += [str(ln.quantity) if ln.quantity else "", ln.supplier or ""]
    return cells, ln.reorder_now


def _section(d: ForecastDetail) -> Section:
    f, w = d.forecast, d.forecast.weekly
    chart = Chart(d.history.start, [float(u) for u in d.history.units], w.start, *_bands(w))
    facts = [f"{f.demand.value} mover", f"model {f.model}", f"{f.demand_per_day:.2f} a day"]
    warning = None
    if f.accuracy is not None:
        a = f.accuracy
        facts.append(
            f"MASE {a.mase:.2f} (seasonal naive {a.baseline_mase:.2f}), bias {a.bias:+.0%}"
        )
        if not a.beats_baseline:
            warning = f"Does not beat seasonal naive ({a.baseline}) in the backtest."
    else:
        facts.append("too little history to backtest")
    return Section(d.sku, chart, facts, warning)


def _bands(w: Any) -> tuple[list[float], ...]:
    return (w.mean, w.lo80, w.hi80, w.lo95, w.hi95)


def _chosen(conn: Connection, lines: list[Line], limit: int) -> list[str]:
    forecast = {r.sku: r.demand_per_day for r in store.listing(conn)}
    order = [ln.sku for ln in lines if ln.sku in forecast]
    order += sorted(forecast, key=lambda s: (-forecast[s], s))
    return list(dict.fromkeys(order))[:limit]


def build(conn: Connection, location: str | None, limit: int) -> str:
    """The page, read in one snapshot."""
    found = plan(conn, location=location)
    skus = _chosen(conn, found.lines, limit)
    run = store.latest_run(conn, status="done")
    require_forecasts(run is not None)
    sections = [_section(detail(conn, sku, None, HISTORY_WEEKS)) for sku in skus]
    notes = [f"Written {utcnow():%Y-%m-%d %H:%M} UTC."]
    if run is not None:
        notes.append(f"Forecast run {run.id}, history up to {run.history_end}.")
    else:
        notes.append("No forecast run yet: demand is 0 until `hub forecast run`.")
    if location:
        notes.append(f"Replenishment for location {location}.")
    title = "Forecasts and replenishment"
    rows = [_row(ln) for ln in found.lines]
    return render_report(title=title, notes=notes, head=HEAD, rows=rows, sections=sections)


async def report_page(db: Database, *, location: str | None, limit: int) -> str:
    """The report's HTML (see the module docstring)."""
    async with db.read() as conn:
        return await conn.run_sync(build, location, limit)
