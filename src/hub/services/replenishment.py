"""What to reorder, where and when: the stored forecasts turned into suggestions per SKU and
location (the arithmetic is ``hub.domain.replenishment``).

Inputs per SKU and location, in a small table of their own (``replenishment_settings``)
rather than in SKU attributes, because they differ per location and fall back to a
supplier's defaults: a row for (SKU, location), then the SKU's row for every location
(location ""), then the supplier either row names (``suppliers``: lead time, review period,
service level), then the hub's default (``DEFAULT``: 14 days lead time, 7 days review, 95 %).
Each field falls through on its own, so a SKU can take its supplier's lead time and set its
own service level.

Demand per location is the SKU's forecast split over its locations at the last run
(``services/forecast/locations``); stock is the location's level; on order is what open
purchase orders for that location still expect. The list holds every (SKU, location) with
demand, stock or something on order, bundles left out (they hold no stock), shortest cover
first.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.domain.order import FieldError
from hub.domain.replenishment import Policy, StockPosition, Suggestion, by_days_of_cover, suggest
from hub.errors import Unprocessable
from hub.store import catalog as catalog_store
from hub.store import forecasts as forecast_store
from hub.store import replenishment as store
from hub.store import stock as stock_store
from hub.store.database import Database

DEFAULT = Policy(lead_time_days=14, review_period_days=7, service_level=0.95)
EVERY_LOCATION = ""


class Line(msgspec.Struct, frozen=True, kw_only=True):
    """One SKU at one location: its inputs, and what to do (``hub.domain.replenishment``)."""

    sku: str
    location: str
    supplier: str | None
    policy_source: str  # sku (its own settings), supplier, or default
    lead_time_days: int
    review_period_days: int
    service_level: float
    demand_per_day: float
    error_per_day: float
    on_hand: int
    reserved: int
    on_order: int
    safety_stock: int
    reorder_point: int
    order_up_to: int
    position: int
    quantity: int
    reorder_now: bool
    days_of_cover: float | None


class Plan(msgspec.Struct, frozen=True):
    lines: list[Line]
    history_end: date | None  # the last day of history of the forecasts used (None: no run)


def resolve(
    settings: Mapping[tuple[str, str], Any], suppliers: Mapping[str, Any], sku: str, location: str
) -> tuple[Policy, str | None, str]:
    """The policy of ``sku`` at ``location``, its supplier, and where it came from."""
    rows = [r for r in (settings.get((sku, location)), settings.get((sku, EVERY_LOCATION))) if r]

    def pick(field: str) -> Any:
        return next((getattr(r, field) for r in rows if getattr(r, field) is not None), None)

    code = pick("supplier")
    supplier = suppliers.get(code) if code else None
    base = DEFAULT
    if supplier is not None:
        base = Policy(
            lead_time_days=supplier.lead_time_days,
            review_period_days=supplier.review_period_days,
            service_level=supplier.service_level,
        )
    own = {f: pick(f) for f in ("lead_time_days", "review_period_days", "service_level")}
    policy = Policy(**{f: getattr(base, f) if v is None else v for f, v in own.items()})
    source = "sku" if any(v is not None for v in own.values()) else "default"
    if source == "default" and supplier is not None:
        source = "supplier"
    return policy, code, source


def _line(s: Suggestion, policy: Policy, supplier: str | None, source: str, **figures: Any) -> Line:
    return Line(
        sku=s.sku,
        location=s.location,
        supplier=supplier,
        policy_source=source,
        lead_time_days=policy.lead_time_days,
        review_period_days=policy.review_period_days,
        service_level=policy.service_level,
        demand_per_day=s.demand_per_day,
        error_per_day=figures["error_per_day"],
        on_hand=figures["on_hand"],
        reserved=figures["reserved"],
        on_order=figures["on_order"],
        safety_stock=s.safety_stock,
        reorder_point=s.reorder_point,
        order_up_to=s.order_up_to,
        position=s.position,
        quantity=s.quantity,
        reorder_now=s.reorder_now,
        days_of_cover=None if s.days_of_cover is None else round(s.days_of_cover, 2),
    )


def plan(conn: Connection, *, location: str | None = None, sku: str | None = None) -> Plan:
    """Every (SKU, location) suggestion, shortest cover first (see the module docstring)."""
    demand = {(r.sku, r.location): r for r in forecast_store.location_demand(conn, location)}
    levels = store.levels(conn, location)
    ordered = store.on_order(conn, location)
    keys = {k for k in demand.keys() | levels.keys() | ordered.keys() if sku in (None, k[0])}
    bundles = catalog_store.all_bundles(conn)
    settings = store.settings_of(conn, sorted({s for s, _ in keys}))
    suppliers = store.all_suppliers(conn)
    found: dict[tuple[str, str], tuple[Suggestion, Line]] = {}
    for key in sorted(keys):
        if key[0] in bundles:
            continue
        d = demand.get(key)
        per_day, error = (d.demand_per_day, d.error_per_day) if d else (0.0, 0.0)
        on_hand, reserved = levels.get(key, (0, 0))
        if not (per_day or on_hand or reserved or ordered.get(key)):
            continue
        policy, supplier, source = resolve(settings, suppliers, *key)
        position = StockPosition(on_hand=on_hand, on_order=ordered.get(key, 0), reserved=reserved)
        s = suggest(key[0], key[1], per_day, error, policy, position)
        figures = {"error_per_day": error, "on_hand": on_hand, "reserved": reserved}
        found[key] = (s, _line(s, policy, supplier, source, **figures, on_order=position.on_order))
    run = forecast_store.latest_run(conn, status="done")
    order = by_days_of_cover(s for s, _ in found.values())
    return Plan([found[(s.sku, s.location)][1] for s in order], run.history_end if run else None)


async def get_plan(db: Database, *, location: str | None = None, sku: str | None = None) -> Plan:
    async with db.read() as conn:
        if location is not None and location not in await conn.run_sync(stock_store.location_codes):
            raise Unprocessable(
                f"no location {location!r}", [FieldError("location", "unknown location")]
            )
        return await conn.run_sync(lambda c: plan(c, location=location, sku=sku))


EXPORT_COLUMNS = (
    "sku",
    "location",
    "supplier",
    "quantity",
    "reorder_now",
    "days_of_cover",
    "demand_per_day",
    "on_hand",
    "reserved",
    "on_order",
    "safety_stock",
    "reorder_point",
    "order_up_to",
    "lead_time_days",
    "review_period_days",
    "service_level",
)


def to_csv(lines: Iterable[Line]) -> str:
    """The list as CSV for purchasing, one row per SKU and location, the columns above."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for line in lines:
        values = [getattr(line, c) for c in EXPORT_COLUMNS]
        writer.writerow(["" if v is None else v for v in values])
    return out.getvalue()


async def put_supplier(db: Database, code: str, values: Mapping[str, Any]) -> None:
    await db.run_write(lambda conn: store.put_supplier(conn, {"code": code, **values}))


async def suppliers(db: Database) -> dict[str, Any]:
    async with db.read() as conn:
        return await conn.run_sync(store.all_suppliers)


def _check_setting(i: int, row: Mapping[str, Any], suppliers: Any, locations: Any) -> None:
    if row.get("supplier") is not None and row["supplier"] not in suppliers:
        raise Unprocessable(
            f"settings[{i}]: no supplier {row['supplier']!r}; add it first",
            [FieldError(f"settings[{i}].supplier", "unknown supplier")],
        )
    if row["location"] != EVERY_LOCATION and row["location"] not in locations:
        raise Unprocessable(
            f"settings[{i}]: no location {row['location']!r}",
            [FieldError(f"settings[{i}].location", "unknown location")],
        )


async def put_settings(db: Database, rows: list[dict[str, Any]]) -> int:
    """Create or replace settings, all or none; a supplier must exist first and a location
    be known (422 naming the row)."""

    def run(conn: Connection) -> int:
        known, places = store.all_suppliers(conn), stock_store.location_codes(conn)
        for i, row in enumerate(rows):
            _check_setting(i, row, known, places)
        store.put_settings(conn, rows, now=utcnow())
        return len(rows)

    return await db.run_write(run)
