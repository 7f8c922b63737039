"""Routing, fulfilment, shipments and tracking: from an accepted order to a delivered one.

    accepted --route--> allocated --release--> released --> partially_shipped / shipped
                                                          --> delivered

- **Route** (in the acceptance transaction, or the ``order.route`` local job for an order
  released from a hold): the rules file (``HUB_ROUTING``; without one, every location by
  priority, ship complete preferred, split allowed) picks locations; the order's
  reservation is moved to exactly those locations; one fulfilment per location is written,
  and the route and release go on the timeline with the rule that decided. No route: the
  order goes on hold with the reasons and waits; a stock change of one of its SKUs routes
  it again.
- **Send** (``fulfilment.send``): a location with a connection gets its fulfilment through
  that connector (``FulfilsOrders``), idempotent on the fulfilment id. A location without
  one is the merchant's own warehouse: ``GET /fulfilments`` lists its open work.
- **Shipments** from partner webhooks, polls, CSV files or ``POST /fulfilments/{id}/
  shipments``: each parcel recorded once (by the partner's shipment id or tracking number),
  its units consumed from stock, the fulfilment and the order moved on, and the parcel
  sent back to the channel the order came from (``shipment.push``).
- **Tracking** events update each parcel's status; all parcels delivered: the order is.
- **Cancel**: open fulfilments are cancelled at the partner (``fulfilment.cancel``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import Connection, select

from hub.clock import utcnow
from hub.domain import ids
from hub.domain.lifecycle import OrderStatus
from hub.domain.order import Address, Order
from hub.domain.routing import (
    Decision,
    RouteLine,
    RouteOrder,
    RuleSet,
    Site,
    Strategy,
    load_rules,
    route,
    route_order_from,
)
from hub.errors import Conflict, NotFound, Unprocessable
from hub.sdk import (
    BuysLabels,
    ChannelShipment,
    FatalError,
    FulfilmentAccepted,
    FulfilmentCancelled,
    FulfilmentLine,
    FulfilmentRequest,
    FulfilsOrders,
    Label,
    LabelRequest,
    Parcel,
    PartnerEvent,
    PartnerHttp,
    PushesShipments,
    RetriableError,
    ShipmentReport,
    ShippedLine,
    TrackingEvent,
)
from hub.services import stock
from hub.services.jobs import FatalJobError, JobContext, RetryLater
from hub.store import catalog as catalog_store
from hub.store import fulfilment as store
from hub.store import jobs as job_store
from hub.store import orders as order_store
from hub.store import stock as stock_store
from hub.store.database import Database
from hub.store.jobs import Job, NewJob
from hub.store.orders import Event, event_row
from hub.store.tables import locations, orders

log = logging.getLogger(__name__)

ROUTE_JOB = "order.route"
SEND_JOB = "fulfilment.send"
CANCEL_JOB = "fulfilment.cancel"
PUSH_JOB = "shipment.push"
LABEL_JOB = "fulfilment.label"
JOB_ATTEMPTS = 10

DEFAULT_RULES = RuleSet(rules=(), default=Strategy(), source="<default: every location>")

#: order statuses after which shipments may arrive
SHIPPABLE = (OrderStatus.RELEASED, OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED)


# --------------------------------------------------------------------------- rules


class Rules:
    """The routing rules file, read again when it changes (checked at most once a second)."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._stamp: tuple[float, int] | None = None
        self._rules = DEFAULT_RULES
        self._checked = 0.0

    def get(self) -> RuleSet:
        if self.path is None:
            return DEFAULT_RULES
        import time

        now = time.monotonic()
        if now - self._checked < 1.0 and self._stamp is not None:
            return self._rules
        self._checked = now
        stat = Path(self.path).stat()
        stamp = (stat.st_mtime, stat.st_size)
        if stamp != self._stamp:
            self._rules = load_rules(Path(self.path).read_text(), source=self.path)
            self._stamp = stamp
        return self._rules


# --------------------------------------------------------------------------- routing


def _sites(conn: Connection) -> tuple[list[Site], dict[str, str | None]]:
    rows = list(conn.execute(select(locations)))
    sites = [Site(r.code, r.priority, r.kind, r.country, r.region) for r in rows]
    return sites, {r.code: r.connection for r in rows}


def _stock_lines(conn: Connection, order: Order) -> tuple[list[RouteLine], dict[str, Any]]:
    """The order's lines as stock SKUs (aliases resolved, bundles as their components), and
    each stock SKU's order line (for names and channel line ids)."""
    aliases = catalog_store.alias_owners(conn, {ln.sku for ln in order.lines})
    bundles = catalog_store.components_of(conn, {aliases.get(ln.sku, ln.sku) for ln in order.lines})
    wanted: dict[str, int] = defaultdict(int)
    source: dict[str, Any] = {}
    for ln in order.lines:
        sku = aliases.get(ln.sku, ln.sku)
        for part, per in bundles.get(sku, {sku: 1}).items():
            wanted[part] += ln.quantity * per
            source.setdefault(part, ln)
    lines = [
        RouteLine(sku, qty, getattr(source[sku], "line_id", None)) for sku, qty in wanted.items()
    ]
    return lines, source


def route_orders(
    conn: Connection,
    order_ids: Sequence[str],
    *,
    rules: RuleSet,
    connections: Any,
    actor: str = "worker",
) -> list[str]:
    """Route each accepted order of ``order_ids``, in the caller's transaction; returns the
    ids released to fulfilment. Orders in any other status are left alone."""
    query = (
        select(orders)
        .where(orders.c.id.in_(list(order_ids)), orders.c.status == OrderStatus.ACCEPTED)
        .order_by(orders.c.id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=orders)
    rows = list(conn.execute(query))
    if not rows:
        return []
    sites, served_by = _sites(conn)
    now = utcnow()
    released: list[str] = []
    for row in rows:
        order = order_store.to_order(row)
        lines, source = _stock_lines(conn, order)
        held = stock_store.reserved_for_order(conn, order.id)
        levels = stock_store.lock_levels(conn, {ln.sku for ln in lines})
        available = {
            key: max(0, lvl.on_hand - lvl.reserved) + held.get(key, 0)
            for key, (_, lvl) in levels.items()
        }
        plain = route_order_from(order)
        decision = route(
            RouteOrder(**{**msgspec.structs.asdict(plain), "lines": lines}),
            rules,
            sites,
            available,
            now=now,
        )
        if not decision.routed:
            _no_route(conn, order, decision, actor=actor, now=now)
            continue
        _release(conn, order, decision, source, served_by, connections, actor=actor, now=now)
        released.append(order.id)
    store.stop_waiting(conn, released)
    return released


def _event(
    order_id: str, kind: str, frm: str, to: str, detail: dict[str, Any], actor: str, now: datetime
) -> dict[str, Any]:
    return event_row(
        order_id,
        Event(at=now, actor=actor, kind=kind, from_status=frm, to_status=to, detail=detail),
    )


def _note(
    conn: Connection, order_id: str, kind: str, detail: dict[str, Any], *, actor: str, now: datetime
) -> None:
    """A timeline entry that is not a status change."""
    order_store.add_events_sync(
        conn, [event_row(order_id, Event(at=now, actor=actor, kind=kind, detail=detail))]
    )


def _no_route(
    conn: Connection, order: Order, decision: Decision, *, actor: str, now: datetime
) -> None:
    moved = order_store.move_many(
        conn,
        [order.id],
        from_status=OrderStatus.ACCEPTED,
        to_status=OrderStatus.ON_HOLD,
        now=now,
        held_from=OrderStatus.ACCEPTED,
    )
    if moved:
        detail = {"reason": f"no route: {decision.reason}", "waiting_for": "stock"}
        order_store.add_events_sync(
            conn, [_event(order.id, "route", "accepted", "on_hold", detail, actor, now)]
        )
        store.wait_for_route(conn, order.id, now=now)


def _release(
    conn: Connection,
    order: Order,
    decision: Decision,
    source: dict[str, Any],
    served_by: dict[str, str | None],
    connections: Any,
    *,
    actor: str,
    now: datetime,
) -> None:
    plan = [(ln.sku, a.location, ln.quantity) for a in decision.allocations for ln in a.lines]
    held = stock_store.reserved_for_order(conn, order.id)
    wanted: dict[tuple[str, str], int] = defaultdict(int)
    for sku, loc, n in plan:
        wanted[(sku, loc)] += n
    if dict(wanted) != held:
        stock.release_order(conn, order.id, reason=f"moved by routing ({decision.rule})")
        stock.reserve_at(conn, order.id, plan, reason=f"routed by rule {decision.rule}", now=now)
    made = []
    jobs = []
    for allocation in decision.allocations:
        fid = ids.new_id()
        connection = served_by.get(allocation.location)
        row = {
            "id": fid,
            "order_id": order.id,
            "location": allocation.location,
            "connection": connection,
            "status": "open",
            "partner_ref": None,
            "rule": decision.rule,
            "service_level": order.shipping.service_level,
            "created_at": now,
            "updated_at": now,
        }
        lines = [
            {
                "fulfilment_id": fid,
                "position": i,
                "sku": ln.sku,
                "line_id": ln.line_id,
                "name": getattr(source.get(ln.sku), "name", None),
                "quantity": ln.quantity,
                "shipped": 0,
            }
            for i, ln in enumerate(allocation.lines, start=1)
        ]
        store.insert_fulfilment(conn, row, lines)
        made.append(
            {
                "id": fid,
                "location": allocation.location,
                "lines": [{"sku": ln.sku, "quantity": ln.quantity} for ln in allocation.lines],
            }
        )
        if connection is not None:
            jobs.append(NewJob(SEND_JOB, {"fulfilment_id": fid}))
    order_store.move_many(
        conn, [order.id], from_status=OrderStatus.ACCEPTED, to_status=OrderStatus.RELEASED, now=now
    )
    detail = {"rule": decision.rule, "reason": decision.reason, "fulfilments": made}
    order_store.add_events_sync(
        conn,
        [
            _event(order.id, "route", "accepted", "allocated", detail, actor, now),
            _event(
                order.id,
                "release",
                "allocated",
                "released",
                {"fulfilments": [m["id"] for m in made]},
                actor,
                now,
            ),
        ],
    )
    job_store.enqueue_sync(conn, jobs, now=now, max_attempts=JOB_ATTEMPTS)


def route_handler(rules: Rules, connections: Any) -> Callable[[Connection, list[Job]], None]:
    def run(conn: Connection, jobs: list[Job]) -> None:
        route_orders(
            conn, [j.payload["order_id"] for j in jobs], rules=rules.get(), connections=connections
        )

    return run


def stop_waiting(conn: Connection, order_id: str) -> None:
    store.stop_waiting(conn, [order_id])


def retry_waiting(conn: Connection, skus: Iterable[str], *, now: datetime) -> int:
    """Orders on hold for want of a route that contain one of ``skus``: release them from
    the hold (back to accepted) and queue their routing. Returns how many."""
    from hub.store.tables import order_lines, route_waits

    wanted = sorted(set(skus))
    if not wanted:
        return 0
    rows = conn.execute(
        select(route_waits.c.order_id)
        .join(order_lines, order_lines.c.order_id == route_waits.c.order_id)
        .where(order_lines.c.sku.in_(wanted))
        .distinct()
    )
    waiting = sorted(rows.scalars())
    if not waiting:
        return 0
    moved = order_store.move_many(
        conn, waiting, from_status=OrderStatus.ON_HOLD, to_status=OrderStatus.ACCEPTED, now=now
    )
    store.stop_waiting(conn, waiting)
    order_store.add_events_sync(
        conn,
        [
            _event(
                oid,
                "release",
                "on_hold",
                "accepted",
                {"reason": "stock arrived: routing again"},
                "worker",
                now,
            )
            for oid in moved
        ],
    )
    job_store.enqueue_sync(
        conn,
        [NewJob(ROUTE_JOB, {"order_id": oid}) for oid in moved],
        now=now,
        max_attempts=JOB_ATTEMPTS,
    )
    return len(moved)


# --------------------------------------------------------------------------- send / cancel


def _request(conn: Connection, fulfilment: Any) -> FulfilmentRequest:
    row = conn.execute(select(orders).where(orders.c.id == fulfilment.order_id)).one()
    order = order_store.to_order(row)
    lines_by_sku = {ln.sku: ln for ln in order.lines}
    parts = store.lines(conn, fulfilment.id)
    return FulfilmentRequest(
        id=fulfilment.id,
        idempotency_key=fulfilment.id,
        order_id=order.id,
        order_number=order.number,
        channel=order.channel or "",
        external_id=order.external_id or order.number,
        placed_at=order.placed_at or order.received_at,
        location=fulfilment.location,
        ship_to=order.shipping_address,
        customer=order.customer,
        lines=[
            FulfilmentLine(
                sku=p.sku,
                quantity=p.quantity,
                name=p.name,
                line_id=p.line_id,
                unit_price=getattr(lines_by_sku.get(p.sku), "unit_price", 0),
            )
            for p in parts
        ],
        currency=order.currency,
        total=order.totals.total,
        service_level=fulfilment.service_level,
        carrier=fulfilment.carrier,
        service=fulfilment.service,
    )


def _partner(ctx: JobContext, code: str | None, protocol: type) -> tuple[Any, Any]:
    connection = ctx.connections.get(code) if ctx.connections is not None and code else None
    connector = ctx.connections.connector(connection) if connection else None
    if connector is None or not isinstance(connector, protocol):
        raise FatalJobError(f"connection {code!r} is not configured to {protocol.__name__}")
    return connection, connector


def _http(ctx: JobContext) -> PartnerHttp:
    if ctx.http is None:
        raise RuntimeError("the job context has no HTTP client (Hub.start() not called)")
    return PartnerHttp(ctx.http)


async def send(ctx: JobContext, fulfilment_id: str) -> None:
    async with ctx.db.read() as aconn:
        found = await aconn.run_sync(lambda c: _with_request(c, fulfilment_id))
    if found is None:
        raise FatalJobError(f"no fulfilment {fulfilment_id}")
    fulfilment, request = found
    if fulfilment.status != "open":
        return  # sent already, or cancelled meanwhile
    connection, connector = _partner(ctx, fulfilment.connection, FulfilsOrders)
    try:
        accepted: FulfilmentAccepted = await connector.create_fulfilment(
            connection, request, _http(ctx)
        )
    except RetriableError as exc:
        raise RetryLater.after(exc) from None

    def record(conn: Connection) -> None:
        now = utcnow()
        current = store.get(conn, fulfilment_id)
        if current is None or current.status != "open":
            return
        store.set_status(conn, fulfilment_id, "accepted", now=now, partner_ref=accepted.partner_ref)
        _note(
            conn,
            fulfilment.order_id,
            "fulfilment_sent",
            {
                "fulfilment": fulfilment_id,
                "location": fulfilment.location,
                "partner_ref": accepted.partner_ref,
            },
            actor=f"connection:{fulfilment.connection}",
            now=now,
        )

    await ctx.db.run_write(record)


def _with_request(conn: Connection, fulfilment_id: str) -> tuple[Any, FulfilmentRequest] | None:
    row = store.get(conn, fulfilment_id)
    if row is None:
        return None
    return row, _request(conn, row)


async def handle_send_job(ctx: JobContext, job: Job) -> None:
    await send(ctx, job.payload["fulfilment_id"])


def cancel_open(conn: Connection, order_id: str, *, now: datetime) -> list[str]:
    """The order is cancelled: end its unshipped fulfilments; those at a partner are
    cancelled there by a job. Returns the fulfilment ids cancelled."""
    cancelled = []
    jobs = []
    for f in store.of_order(conn, order_id):
        if f.status not in ("open", "sent", "accepted"):
            continue
        store.set_status(conn, f.id, "cancelled", now=now)
        cancelled.append(f.id)
        if f.connection is not None and f.status != "open":
            jobs.append(NewJob(CANCEL_JOB, {"fulfilment_id": f.id}))
    job_store.enqueue_sync(conn, jobs, now=now, max_attempts=JOB_ATTEMPTS)
    store.stop_waiting(conn, [order_id])
    return cancelled


async def cancel_at_partner(ctx: JobContext, fulfilment_id: str) -> None:
    async with ctx.db.read() as aconn:
        found = await aconn.run_sync(lambda c: _with_request(c, fulfilment_id))
    if found is None:
        raise FatalJobError(f"no fulfilment {fulfilment_id}")
    fulfilment, request = found
    connection, connector = _partner(ctx, fulfilment.connection, FulfilsOrders)
    try:
        await connector.cancel_fulfilment(connection, request, fulfilment.partner_ref, _http(ctx))
    except RetriableError as exc:
        raise RetryLater.after(exc) from None
    except FatalError as exc:  # e.g. shipped already: an operator must look
        reason = f"cancel at partner refused: {exc}"
        await ctx.db.run_write(lambda conn: _attention(conn, fulfilment.order_id, reason))
        raise


async def handle_cancel_job(ctx: JobContext, job: Job) -> None:
    await cancel_at_partner(ctx, job.payload["fulfilment_id"])


def _attention(conn: Connection, order_id: str, reason: str) -> None:
    from sqlalchemy import update

    conn.execute(update(orders).where(orders.c.id == order_id).values(attention=reason[:2000]))


# --------------------------------------------------------------------------- point of sale


def consume_pos_sale(conn: Connection, order_id: str, *, now: datetime) -> str | None:
    """A sale handed over at the till leaves the store's stock: the location whose
    ``connection`` is the order's channel. Returns a note for the operator when no location
    is tied to that channel (the sale could not be taken from stock)."""
    order = order_store.to_order(conn.execute(select(orders).where(orders.c.id == order_id)).one())
    store_row = conn.execute(
        select(locations.c.code)
        .where(locations.c.connection == order.channel)
        .order_by(locations.c.priority, locations.c.code)
    ).first()
    if store_row is None:
        return (
            f"a sale on {order.channel} was not taken from stock: no location has "
            f"connection {order.channel!r}"
        )
    lines, _ = _stock_lines(conn, order)
    parts: dict[str, int] = defaultdict(int)
    for ln in lines:
        parts[ln.sku] += ln.quantity
    stock.consume_at(
        conn, order_id, store_row.code, dict(parts), reason="sold at the till", now=now
    )
    return None


# --------------------------------------------------------------------------- labels


class LabelAsk(msgspec.Struct, frozen=True, kw_only=True):
    """``POST /fulfilments/{id}/label``: buy a label for the parcel, carrier by the rules."""

    parcel: Parcel
    carrier_connection: str | None = None  # default: the one connection that buys labels


def _label_connection(connections: Any, asked: str | None) -> str:
    found = [
        c.code
        for c in (connections.all() if connections is not None else ())
        if isinstance(connections.connector(c), BuysLabels)
    ]
    if asked is not None:
        if asked not in found:
            raise Unprocessable(
                f"carrier_connection: {asked!r} is not a connection that buys labels",
                [_field("carrier_connection", "not a label-buying connection")],
            )
        return asked
    if len(found) != 1:
        reason = "none is configured" if not found else f"choose one of {', '.join(found)}"
        raise Unprocessable(f"carrier_connection: {reason}", [_field("carrier_connection", reason)])
    return found[0]


async def ask_label(db: Database, connections: Any, fulfilment_id: str, ask: LabelAsk) -> str:
    """Queue the purchase (an outbound effect goes through the outbox); returns the
    connection that will be asked. Refused when the fulfilment is not open."""
    code = _label_connection(connections, ask.carrier_connection)

    def run(conn: Connection) -> None:
        f = store.get(conn, fulfilment_id)
        if f is None:
            raise NotFound(f"no fulfilment {fulfilment_id}")
        if f.status not in ("open", "accepted", "partially_shipped"):
            raise Conflict(f"fulfilment {fulfilment_id} is {f.status}; no label can be bought")
        if f.label_tracking:
            raise Conflict(f"fulfilment {fulfilment_id} has a label ({f.label_tracking})")
        job_store.enqueue_unless_active_sync(
            conn,
            NewJob(
                LABEL_JOB,
                {
                    "fulfilment_id": fulfilment_id,
                    "connection": code,
                    "parcel": msgspec.to_builtins(ask.parcel),
                },
            ),
            now=utcnow(),
            max_attempts=JOB_ATTEMPTS,
        )

    await db.run_write(run)
    db.signal_jobs()
    return code


async def buy_label(
    ctx: JobContext, fulfilment_id: str, code: str, parcel: Parcel, rules: Rules
) -> Label | None:
    """Rates from the carrier connection, the rate the rules allow (cheapest), the label
    bought and kept with the fulfilment. None when it has one already."""
    from hub.domain.routing import choose_carrier

    def read(conn: Connection) -> tuple[Any, FulfilmentRequest, Any] | None:
        f = store.get(conn, fulfilment_id)
        if f is None:
            return None
        loc = conn.execute(select(locations).where(locations.c.code == f.location)).one()
        return f, _request(conn, f), loc

    async with ctx.db.read() as aconn:
        found = await aconn.run_sync(read)
    if found is None:
        raise FatalJobError(f"no fulfilment {fulfilment_id}")
    f, request, loc = found
    if f.label_tracking:
        return None
    if loc.address is None:
        raise FatalJobError(f"location {f.location!r} has no address to ship from")
    if request.ship_to is None:
        raise FatalJobError(f"order {f.order_id} has no shipping address")
    connection, connector = _partner(ctx, code, BuysLabels)
    http = _http(ctx)
    ask = LabelRequest(
        reference=fulfilment_id,
        ship_from=msgspec.json.decode(loc.address, type=Address),
        ship_to=request.ship_to,
        parcel=parcel,
        customer=request.customer,
    )
    try:
        rates = await connector.rates(connection, ask, http)
        rate = choose_carrier(rules.get(), f.rule, f.service_level, rates)
        if rate is None:
            offered = ", ".join(f"{r.carrier} {r.service}" for r in rates) or "none"
            raise FatalJobError(
                f"no rate the rules allow for service level {f.service_level or 'none'} "
                f"(offered: {offered})"
            )
        label = await connector.buy_label(connection, rate, http)
    except RetriableError as exc:
        raise RetryLater.after(exc) from None

    def record(conn: Connection) -> None:
        now = utcnow()
        store.set_status(
            conn,
            fulfilment_id,
            f.status,
            now=now,
            carrier=label.carrier,
            service=label.service,
            label=label.label,
            label_format=label.label_format,
            label_tracking=label.tracking_number,
            label_url=label.label_url,
        )
        _note(
            conn,
            f.order_id,
            "label",
            {
                "fulfilment": fulfilment_id,
                "carrier": label.carrier,
                "service": label.service,
                "tracking_number": label.tracking_number,
                "amount": label.amount,
                "currency": label.currency,
            },
            actor=f"connection:{code}",
            now=now,
        )

    await ctx.db.run_write(record)
    return label


def label_handler(rules: Rules) -> Callable[[JobContext, Job], Any]:
    async def run(ctx: JobContext, job: Job) -> None:
        parcel = msgspec.convert(job.payload["parcel"], Parcel)
        await buy_label(ctx, job.payload["fulfilment_id"], job.payload["connection"], parcel, rules)

    return run


async def label_document(db: Database, fulfilment_id: str) -> tuple[bytes, str]:
    """The stored label document and its media type."""
    async with db.read() as aconn:
        f = await aconn.run_sync(lambda c: store.get(c, fulfilment_id))
    if f is None:
        raise NotFound(f"no fulfilment {fulfilment_id}")
    if not f.label:
        raise NotFound(f"fulfilment {fulfilment_id} has no label document (yet)")
    kind = (f.label_format or "png").lower()
    media = {"png": "image/png", "pdf": "application/pdf", "zpl": "text/plain"}.get(
        kind, "application/octet-stream"
    )
    return f.label, media


# --------------------------------------------------------------------------- shipments


class Recorded(msgspec.Struct, frozen=True):
    shipment_id: str
    order_id: str
    created: bool


def record_shipment(
    conn: Connection, report: ShipmentReport, *, connection: str | None, actor: str, now: datetime
) -> Recorded | None:
    """Record one parcel (new, or news of a known one). None: no such fulfilment."""
    fulfilment = store.find_by_reference(conn, connection, report.fulfilment_ref)
    if fulfilment is None:
        return None
    if fulfilment.status == "cancelled":
        _attention(conn, fulfilment.order_id, f"a cancelled fulfilment {fulfilment.id} was shipped")
    key = report.partner_shipment_id or report.tracking_number or "parcel"
    existing = store.shipment(conn, fulfilment.id, key)
    if existing is not None:
        changes: dict[str, Any] = {"updated_at": now, "status": report.status}
        first_tracking = report.tracking_number and not existing.tracking_number
        for field in ("carrier", "service", "tracking_number", "tracking_url"):
            if getattr(report, field):
                changes[field] = getattr(report, field)
        if report.estimated_delivery:
            changes["estimated_delivery"] = report.estimated_delivery.isoformat()
        store.update_shipment(conn, existing.id, **changes)
        if first_tracking:
            _queue_push(conn, existing.id, now)
        _follow(conn, fulfilment.order_id, now=now, actor=actor)
        return Recorded(existing.id, fulfilment.order_id, False)
    parts = _parts(conn, fulfilment, report)
    sid = ids.new_id()
    store.insert_shipment(
        conn,
        {
            "id": sid,
            "fulfilment_id": fulfilment.id,
            "order_id": fulfilment.order_id,
            "parcel_key": key[:200],
            "carrier": report.carrier,
            "service": report.service,
            "tracking_number": report.tracking_number,
            "tracking_url": report.tracking_url,
            "status": report.status,
            "status_detail": report.detail,
            "estimated_delivery": report.estimated_delivery.isoformat()
            if report.estimated_delivery
            else None,
            "shipped_at": report.shipped_at or now,
            "updated_at": now,
        },
        parts,
    )
    stock.consume_at(
        conn, fulfilment.order_id, fulfilment.location, parts, reason=f"shipped ({sid})", now=now
    )
    _note(
        conn,
        fulfilment.order_id,
        "shipment",
        {
            "shipment": sid,
            "fulfilment": fulfilment.id,
            "carrier": report.carrier,
            "service": report.service,
            "tracking_number": report.tracking_number,
            "lines": [{"sku": s, "quantity": q} for s, q in sorted(parts.items())],
        },
        actor=actor,
        now=now,
    )
    if report.tracking_number:
        _queue_push(conn, sid, now)
    _follow(conn, fulfilment.order_id, now=now, actor=actor)
    return Recorded(sid, fulfilment.order_id, True)


def _parts(conn: Connection, fulfilment: Any, report: ShipmentReport) -> dict[str, int]:
    """What this parcel carries, capped at what is left to ship; the fulfilment's shipped
    counts move up. No lines in the report: everything left."""
    lines = store.lines(conn, fulfilment.id)
    left = {ln.position: ln.quantity - ln.shipped for ln in lines}
    asked: dict[str, int] = defaultdict(int)
    if report.lines:
        for p in report.lines:
            asked[p.sku] += p.quantity
    else:
        for ln in lines:
            asked[ln.sku] += left[ln.position]
    shipped = {ln.position: ln.shipped for ln in lines}
    parts: dict[str, int] = defaultdict(int)
    for ln in lines:
        take = min(asked.get(ln.sku, 0), left[ln.position])
        if take > 0:
            asked[ln.sku] -= take
            shipped[ln.position] += take
            parts[ln.sku] += take
    store.set_shipped(conn, fulfilment.id, shipped)
    return dict(parts)


def _queue_push(conn: Connection, shipment_id: str, now: datetime) -> None:
    job_store.enqueue_sync(
        conn, [NewJob(PUSH_JOB, {"shipment_id": shipment_id})], now=now, max_attempts=JOB_ATTEMPTS
    )


_RANK = {
    OrderStatus.RELEASED: 0,
    OrderStatus.PARTIALLY_SHIPPED: 1,
    OrderStatus.SHIPPED: 2,
    OrderStatus.DELIVERED: 3,
}


def _follow(conn: Connection, order_id: str, *, now: datetime, actor: str) -> None:
    """Fulfilment and order statuses follow the parcels."""
    fulfilments = [f for f in store.of_order(conn, order_id) if f.status != "cancelled"]
    parcels = store.shipments_of_order(conn, order_id)
    all_shipped = True
    all_delivered = bool(parcels)
    any_shipped = False
    for f in fulfilments:
        lines = store.lines(conn, f.id)
        done = all(ln.shipped >= ln.quantity for ln in lines)
        some = any(ln.shipped for ln in lines)
        mine = [p for p in parcels if p.fulfilment_id == f.id]
        delivered = done and bool(mine) and all(p.status == "delivered" for p in mine)
        status = (
            "delivered"
            if delivered
            else "shipped"
            if done
            else "partially_shipped"
            if some
            else f.status
        )
        if status != f.status:
            store.set_status(conn, f.id, status, now=now)
        all_shipped &= done
        any_shipped |= some
        all_delivered &= delivered
    row = conn.execute(select(orders.c.status).where(orders.c.id == order_id)).one()
    current = OrderStatus(row.status)
    if current not in _RANK:
        return
    target = (
        OrderStatus.DELIVERED
        if all_shipped and all_delivered
        else OrderStatus.SHIPPED
        if all_shipped
        else OrderStatus.PARTIALLY_SHIPPED
        if any_shipped
        else current
    )
    path = [s for s in _RANK if _RANK[current] < _RANK[s] <= _RANK[target]]
    frm = current
    for step in path:
        if step == OrderStatus.SHIPPED and frm == OrderStatus.RELEASED:
            pass  # released -> shipped directly is allowed
        if step == OrderStatus.PARTIALLY_SHIPPED and target != OrderStatus.PARTIALLY_SHIPPED:
            continue
        order_store.move_many(conn, [order_id], from_status=frm, to_status=step, now=now)
        order_store.add_events_sync(conn, [_event(order_id, "status", frm, step, {}, actor, now)])
        frm = step


def record_tracking(
    conn: Connection, event: TrackingEvent, *, actor: str, now: datetime
) -> list[str]:
    """A carrier's news for every parcel with that tracking number; returns order ids."""
    touched = []
    for parcel in store.shipments_by_tracking(conn, event.tracking_number):
        changes: dict[str, Any] = {"status": event.status, "updated_at": now}
        if event.detail:
            changes["status_detail"] = event.detail
        if event.estimated_delivery:
            changes["estimated_delivery"] = event.estimated_delivery.isoformat()
        if event.public_url and not parcel.tracking_url:
            changes["tracking_url"] = event.public_url
        if event.carrier and not parcel.carrier:
            changes["carrier"] = event.carrier
        store.update_shipment(conn, parcel.id, **changes)
        news = (
            event.status != parcel.status
            or changes.get("status_detail", parcel.status_detail) != parcel.status_detail
            or changes.get("estimated_delivery", parcel.estimated_delivery)
            != parcel.estimated_delivery
        )
        if news:
            _note(
                conn,
                parcel.order_id,
                "tracking",
                {
                    "shipment": parcel.id,
                    "tracking_number": event.tracking_number,
                    "status": event.status,
                    "was": parcel.status,
                    "detail": event.detail,
                    "estimated_delivery": changes.get("estimated_delivery"),
                },
                actor=actor,
                now=now,
            )
        _follow(conn, parcel.order_id, now=now, actor=actor)
        touched.append(parcel.order_id)
    return touched


def apply_events(conn: Connection, events: Sequence[PartnerEvent], *, connection: str) -> list[str]:
    """Partner events (from a webhook or a poll) into the hub; returns the order ids touched.

    A shipment for a fulfilment the hub does not know raises ``LookupError`` (the message is
    quarantined, to be replayed once the fulfilment exists)."""
    now = utcnow()
    actor = f"connection:{connection}"
    touched: list[str] = []
    for event in events:
        if isinstance(event, ShipmentReport):
            got = record_shipment(conn, event, connection=connection, actor=actor, now=now)
            if got is None:
                raise LookupError(f"no fulfilment {event.fulfilment_ref!r} for a shipment")
            touched.append(got.order_id)
        elif isinstance(event, TrackingEvent):
            touched += record_tracking(conn, event, actor=actor, now=now)
        elif isinstance(event, FulfilmentCancelled):
            f = store.find_by_reference(conn, connection, event.fulfilment_ref)
            if f is not None and f.status not in ("shipped", "delivered", "cancelled"):
                store.set_status(conn, f.id, "cancelled", now=now)
                _attention(
                    conn,
                    f.order_id,
                    f"the partner cancelled fulfilment {f.id}: {event.detail or ''}".strip(),
                )
                touched.append(f.order_id)
    return touched


# --------------------------------------------------------------------------- back to channel


async def push_shipment(ctx: JobContext, shipment_id: str) -> str:
    """Tell the order's channel about the parcel; returns what happened."""

    def read(conn: Connection) -> tuple[Any, Order, dict[str, int], bool] | None:
        parcel = store.shipment_by_id(conn, shipment_id)
        if parcel is None:
            return None
        order = order_store.to_order(
            conn.execute(select(orders).where(orders.c.id == parcel.order_id)).one()
        )
        parts = store.shipment_parts(conn, [shipment_id])[shipment_id]
        complete = all(
            all(ln.shipped >= ln.quantity for ln in store.lines(conn, f.id))
            for f in store.of_order(conn, order.id)
            if f.status != "cancelled"
        )
        return parcel, order, parts, complete

    async with ctx.db.read() as aconn:
        found = await aconn.run_sync(read)
    if found is None:
        raise FatalJobError(f"no shipment {shipment_id}")
    parcel, order, parts, complete = found
    connection = ctx.connections.get(order.channel) if ctx.connections is not None else None
    connector = ctx.connections.connector(connection) if connection else None
    if connector is None or not isinstance(connector, PushesShipments):
        return "skipped"  # the channel takes no shipments (call centre, POS)
    shipment = ChannelShipment(
        shipment_id=shipment_id,
        external_id=order.external_id or order.number,
        external_number=order.external_number,
        lines=_channel_lines(order, parts),
        carrier=parcel.carrier,
        service=parcel.service,
        tracking_number=parcel.tracking_number,
        tracking_url=parcel.tracking_url,
        shipped_at=parcel.shipped_at,
        complete=complete,
    )
    try:
        await connector.push_shipment(connection, shipment, _http(ctx))
    except RetriableError as exc:
        raise RetryLater.after(exc) from None
    await ctx.db.run_write(
        lambda conn: _note(
            conn,
            order.id,
            "shipment_confirmed",
            {"shipment": shipment_id, "tracking_number": parcel.tracking_number},
            actor=f"connection:{order.channel}",
            now=utcnow(),
        )
    )
    return "pushed"


def _channel_lines(order: Order, parts: dict[str, int]) -> list[ShippedLine]:
    """The channel's own lines this parcel carries (stock SKUs back to order lines)."""
    left = dict(parts)
    out = []
    for ln in order.lines:
        n = min(ln.quantity, left.get(ln.sku, 0))
        if n > 0:
            left[ln.sku] -= n
            out.append(ShippedLine(sku=ln.sku, quantity=n, line_id=ln.line_id))
    if not out:  # aliases or bundles: name what shipped by stock SKU
        out = [ShippedLine(sku=s, quantity=q) for s, q in sorted(parts.items())]
    return out


async def handle_push_job(ctx: JobContext, job: Job) -> None:
    await push_shipment(ctx, job.payload["shipment_id"])


# --------------------------------------------------------------------------- own warehouse API


class LineOut(msgspec.Struct, frozen=True):
    sku: str
    quantity: int
    shipped: int
    name: str | None = None
    line_id: str | None = None


class ParcelOut(msgspec.Struct, frozen=True):
    id: str
    carrier: str | None
    service: str | None
    tracking_number: str | None
    tracking_url: str | None
    status: str
    estimated_delivery: str | None
    shipped_at: datetime
    lines: dict[str, int]


class FulfilmentOut(msgspec.Struct, frozen=True):
    id: str
    order_id: str
    order_number: str
    location: str
    connection: str | None
    status: str
    partner_ref: str | None
    rule: str | None
    service_level: str | None
    ship_to: Any
    lines: list[LineOut]
    shipments: list[ParcelOut]
    created_at: datetime
    carrier: str | None = None
    service: str | None = None
    label_tracking_number: str | None = None
    has_label: bool = False


def _out(conn: Connection, f: Any) -> FulfilmentOut:
    order = order_store.to_order(
        conn.execute(select(orders).where(orders.c.id == f.order_id)).one()
    )
    parcels = [p for p in store.shipments_of_order(conn, f.order_id) if p.fulfilment_id == f.id]
    parts = store.shipment_parts(conn, [p.id for p in parcels])
    return FulfilmentOut(
        id=f.id,
        order_id=f.order_id,
        order_number=order.number,
        location=f.location,
        connection=f.connection,
        status=f.status,
        partner_ref=f.partner_ref,
        rule=f.rule,
        service_level=f.service_level,
        ship_to=order.shipping_address,
        lines=[
            LineOut(ln.sku, ln.quantity, ln.shipped, ln.name, ln.line_id)
            for ln in store.lines(conn, f.id)
        ],
        shipments=[
            ParcelOut(
                p.id,
                p.carrier,
                p.service,
                p.tracking_number,
                p.tracking_url,
                p.status,
                p.estimated_delivery,
                p.shipped_at,
                parts[p.id],
            )
            for p in parcels
        ],
        created_at=f.created_at,
        carrier=f.carrier,
        service=f.service,
        label_tracking_number=f.label_tracking,
        has_label=f.label is not None,
    )


async def list_fulfilments(
    db: Database, *, location: str | None, status: str | None, limit: int
) -> list[FulfilmentOut]:
    async with db.read() as aconn:
        return await aconn.run_sync(
            lambda c: [_out(c, f) for f in store.open_at(c, location, status, limit)]
        )


async def get_fulfilment(db: Database, fulfilment_id: str) -> FulfilmentOut:
    async with db.read() as aconn:
        found = await aconn.run_sync(
            lambda c: (lambda f: _out(c, f) if f else None)(store.get(c, fulfilment_id))
        )
    if found is None:
        raise NotFound(f"no fulfilment {fulfilment_id}")
    return found


async def confirm_shipment(
    db: Database, fulfilment_id: str, report: ShipmentReport, *, actor: str
) -> FulfilmentOut:
    """``POST /fulfilments/{id}/shipments``: the merchant's own warehouse shipped a parcel."""

    def run(conn: Connection) -> FulfilmentOut:
        f = store.get(conn, fulfilment_id)
        if f is None:
            raise NotFound(f"no fulfilment {fulfilment_id}")
        if f.status in ("cancelled",):
            raise Conflict(f"fulfilment {fulfilment_id} is cancelled")
        known = {ln.sku: ln.quantity - ln.shipped for ln in store.lines(conn, f.id)}
        for i, p in enumerate(report.lines):
            if p.sku not in known:
                raise Unprocessable(
                    f"lines[{i}]: {p.sku!r} is not in fulfilment {fulfilment_id}",
                    [_field(f"lines[{i}].sku", "not in this fulfilment")],
                )
            if p.quantity > known[p.sku]:
                raise Unprocessable(
                    f"lines[{i}]: {p.quantity} x {p.sku} but only {known[p.sku]} left to ship",
                    [_field(f"lines[{i}].quantity", f"more than the {known[p.sku]} left to ship")],
                )
        if (
            not any(known.values())
            and store.shipment(
                conn, f.id, report.partner_shipment_id or report.tracking_number or "parcel"
            )
            is None
        ):
            raise Conflict(f"fulfilment {fulfilment_id} has nothing left to ship")
        record_shipment(
            conn,
            msgspec.structs.replace(report, fulfilment_ref=f.id),
            connection=None,
            actor=actor,
            now=utcnow(),
        )
        return _out(conn, store.get(conn, fulfilment_id))

    out = await db.run_write(run)
    db.signal_jobs()
    return out


def _field(name: str, reason: str) -> Any:
    from hub.domain.order import FieldError

    return FieldError(name, reason)


# --------------------------------------------------------------------------- public tracking


class PublicParcel(msgspec.Struct, frozen=True):
    carrier: str | None
    service: str | None
    tracking_number: str | None
    tracking_url: str | None
    status: str
    estimated_delivery: str | None
    shipped_at: datetime
    items: int


class PublicTracking(msgspec.Struct, frozen=True):
    """What a buyer sees: no name, no address, no email, no prices."""

    reference: str
    order_number: str
    status: str
    placed_at: datetime | None
    ship_to_country: str | None
    parcels: list[PublicParcel]


async def public_tracking(db: Database, public_ref: str) -> PublicTracking:
    def read(conn: Connection) -> PublicTracking | None:
        row = conn.execute(select(orders).where(orders.c.public_ref == public_ref)).first()
        if row is None:
            return None
        order = order_store.to_order(row)
        parcels = store.shipments_of_order(conn, order.id)
        parts = store.shipment_parts(conn, [p.id for p in parcels])
        return PublicTracking(
            reference=order.public_ref,
            order_number=order.external_number or order.number,
            status=order.status,
            placed_at=order.placed_at,
            ship_to_country=order.shipping_address.country if order.shipping_address else None,
            parcels=[
                PublicParcel(
                    p.carrier,
                    p.service,
                    p.tracking_number,
                    p.tracking_url,
                    p.status,
                    p.estimated_delivery,
                    p.shipped_at,
                    sum(parts[p.id].values()),
                )
                for p in parcels
            ],
        )

    async with db.read() as aconn:
        found = await aconn.run_sync(read)
    if found is None:
        raise NotFound("no order with that reference")
    return found


def register(registry: Any, rules: Rules, connections: Any) -> None:
    registry.register_local(ROUTE_JOB, route_handler(rules, connections))
    registry.register(SEND_JOB, handle_send_job)
    registry.register(CANCEL_JOB, handle_cancel_job)
    registry.register(PUSH_JOB, handle_push_job)
    registry.register(LABEL_JOB, label_handler(rules))
