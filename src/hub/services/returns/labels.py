"""A return label (``return.label``): bought from the label-buying connection for the
parcel going from the buyer back to the return's location (EasyPost ``is_return``), the
cheapest rate offered, kept with the return and noted on the order's timeline. Safe to run
again: a return that has its label is left alone."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.connections import NotConfigured
from hub.domain.lifecycle import EventKind
from hub.domain.order import Address
from hub.sdk import BuysLabels, Label, LabelRequest, Parcel, RetriableError
from hub.services.jobs import FatalJobError, JobContext, RetryLater
from hub.store import orders as order_store
from hub.store import returns as store
from hub.store import routing as routing_store
from hub.store.kept import decode_kept


def _request(conn: Connection, return_id: str, parcel: Parcel) -> tuple[Any, LabelRequest] | None:
    row = store.get(conn, return_id)
    if row is None:
        raise FatalJobError(f"no return {return_id}")
    if row.label_tracking:
        return None
    order = order_store.load(conn, row.order_id)
    loc = routing_store.location(conn, row.location)
    if loc.address is None:
        raise FatalJobError(f"location {row.location!r} has no address to return to")
    if order.shipping_address is None:
        raise FatalJobError(f"order {order.id} has no shipping address")
    ask = LabelRequest(
        reference=return_id, ship_from=decode_kept(loc.address, Address),
        ship_to=order.shipping_address, parcel=parcel, customer=order.customer,
        is_return=True,
    )  # fmt: skip
    return row, ask


async def buy_return_label(
    ctx: JobContext, return_id: str, code: str, parcel: Parcel
) -> Label | None:
    """Buy and keep the return's label; None when it has one."""
    async with ctx.db.read() as aconn:
        found = await aconn.run_sync(_request, return_id, parcel)
    if found is None:
        return None
    row, ask = found
    try:
        connection, connector = ctx.connections.require(code, BuysLabels)
    except NotConfigured as exc:
        raise FatalJobError(str(exc)) from None
    http = ctx.partner_http(code)
    try:
        rates = await connector.rates(connection, ask, http)
        if not rates:
            raise FatalJobError("the carrier offered no rate for the return parcel")
        rate = min(rates, key=lambda r: (r.amount, r.carrier, r.service))
        label = await connector.buy_label(connection, rate, http)
    except RetriableError as exc:
        raise RetryLater.after(exc) from None
    await ctx.db.run_write(lambda conn: _keep(conn, row, label, code))
    return label


def _keep(conn: Connection, row: Any, label: Label, code: str) -> None:
    now = utcnow()
    store.set_values(
        conn, row.id, now=now, label_carrier=label.carrier, label_tracking=label.tracking_number,
        label_url=label.label_url, label=label.label, label_format=label.label_format,
        label_cost=label.amount,
    )  # fmt: skip
    detail = {
        "return": row.id, "carrier": label.carrier, "service": label.service,
        "tracking_number": label.tracking_number, "amount": label.amount,
        "currency": label.currency,
    }  # fmt: skip
    order_store.add_note(
        conn, row.order_id, EventKind.RETURN_LABEL, detail, actor=f"connection:{code}", now=now
    )
