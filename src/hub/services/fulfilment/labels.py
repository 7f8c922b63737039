"""Shipping labels: asked for over the API, bought by a job from the label-buying connection
with the carrier service the routing rules allow, kept with the fulfilment."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import msgspec
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.connections import NotConfigured
from hub.domain.fulfilment import STILL_OPEN
from hub.domain.lifecycle import EventKind
from hub.domain.order import Address, FieldError
from hub.domain.routing import RuleSet, choose_carrier
from hub.errors import Conflict, NotFound, Unprocessable
from hub.sdk import BuysLabels, FulfilmentRequest, Label, LabelRequest, Parcel, RetriableError
from hub.services.fulfilment import JOB_ATTEMPTS
from hub.services.fulfilment.dispatch import request_for
from hub.services.jobs import FatalJobError, JobContext, RetryLater
from hub.store import fulfilment as store
from hub.store import jobs as job_store
from hub.store import orders as order_store
from hub.store import routing as routing_store
from hub.store.database import Database
from hub.store.jobs import NewJob
from hub.store.kept import decode_kept

LABEL_JOB = "fulfilment.label"  # payload: fulfilment_id, connection, parcel

_MEDIA = {"png": "image/png", "pdf": "application/pdf", "zpl": "text/plain"}


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
                [FieldError("carrier_connection", "not a label-buying connection")],
            )
        return asked
    if len(found) != 1:
        reason = "none is configured" if not found else f"choose one of {', '.join(found)}"
        raise Unprocessable(
            f"carrier_connection: {reason}", [FieldError("carrier_connection", reason)]
        )
    return found[0]


async def ask_label(
    db: Database,
    connections: Any,
    fulfilment_id: str,
    parcel: Parcel,
    carrier_connection: str | None = None,
) -> str:
    """Queue the purchase (an outbound effect goes through the outbox); returns the
    connection that will be asked (default: the one connection that buys labels). Refused
    when the fulfilment is not open."""
    code = _label_connection(connections, carrier_connection)

    def run(conn: Connection) -> None:
        f = store.get(conn, fulfilment_id)
        if f is None:
            raise NotFound(f"no fulfilment {fulfilment_id}")
        if f.status not in STILL_OPEN:
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
                    "parcel": msgspec.to_builtins(parcel),
                },
            ),
            now=utcnow(),
            max_attempts=JOB_ATTEMPTS,
        )

    await db.run_write(run)
    db.signal_jobs()
    return code


async def _label_request(
    ctx: JobContext, fulfilment_id: str, parcel: Parcel
) -> tuple[Any, LabelRequest] | None:
    """The fulfilment and what the carrier is asked for; None when it has a label."""

    def read(conn: Connection) -> tuple[Any, FulfilmentRequest, Any] | None:
        f = store.get(conn, fulfilment_id)
        if f is None:
            return None
        return f, request_for(conn, f), routing_store.location(conn, f.location)

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
    ask = LabelRequest(
        reference=fulfilment_id,
        ship_from=decode_kept(loc.address, Address),
        ship_to=request.ship_to,
        parcel=parcel,
        customer=request.customer,
    )
    return f, ask


async def buy_label(
    ctx: JobContext, fulfilment_id: str, code: str, parcel: Parcel, rules: RuleSet
) -> Label | None:
    """Rates from the carrier connection, the rate the rules allow (cheapest), the label
    bought and kept with the fulfilment. None when it has one already."""
    found = await _label_request(ctx, fulfilment_id, parcel)
    if found is None:
        return None
    f, ask = found
    try:
        connection, connector = ctx.connections.require(code, BuysLabels)
    except NotConfigured as exc:
        raise FatalJobError(str(exc)) from None
    http = ctx.partner_http(code)
    try:
        rates = await connector.rates(connection, ask, http)
        rate = choose_carrier(rules, f.rule, f.service_level, rates)
        if rate is None:
            offered = ", ".join(f"{r.carrier} {r.service}" for r in rates) or "none"
            raise FatalJobError(
                f"no rate the rules allow for service level {f.service_level or 'none'} "
                f"(offered: {offered})"
            )
        label = await connector.buy_label(connection, rate, http)
    except RetriableError as exc:
        raise RetryLater.after(exc) from None
    await ctx.db.run_write(lambda conn: _keep(conn, f, label, code))
    return label


def _keep(conn: Connection, f: Any, label: Label, code: str) -> None:
    now = utcnow()
    store.set_label(
        conn,
        f.id,
        now=now,
        carrier=label.carrier,
        service=label.service,
        label=label.label,
        label_format=label.label_format,
        label_tracking=label.tracking_number,
        label_url=label.label_url,
    )
    order_store.add_note(
        conn,
        f.order_id,
        EventKind.LABEL,
        {
            "fulfilment": f.id,
            "carrier": label.carrier,
            "service": label.service,
            "tracking_number": label.tracking_number,
            "amount": label.amount,
            "currency": label.currency,
        },
        actor=f"connection:{code}",
        now=now,
    )


async def label_document(
    db: Database, fulfilment_id: str, channels: Collection[str] | None = None
) -> tuple[bytes, str]:
    """The stored label document and its media type (NotFound when the fulfilment's order
    belongs to none of ``channels``; None: any channel)."""
    async with db.read() as aconn:
        f = await aconn.run_sync(lambda c: store.visible(c, fulfilment_id, channels))
    if f is None:
        raise NotFound(f"no fulfilment {fulfilment_id}")
    if not f.label:
        raise NotFound(f"fulfilment {fulfilment_id} has no label document (yet)")
    kind = (f.label_format or "png").lower()
    return f.label, _MEDIA.get(kind, "application/octet-stream")
