"""ShipBob (3PL): fulfilments out as ShipBob orders; shipments back by signed webhooks and by
polling orders whose tracking the hub has not taken yet.

Not a sales channel: no ``normalize``, no orders in. Capabilities ``fulfil``,
``receive_events`` and ``poll_shipments``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import msgspec

from connectors.shipbob import events, webhooks, wire
from connectors.shipbob.api import Api
from connectors.shipbob.settings import ShipBobSettings, parse_settings
from hub.sdk import (
    Capability,
    Connection,
    FatalError,
    FulfilmentAccepted,
    FulfilmentRequest,
    PartnerEvent,
    PartnerHttp,
    ShipmentPollResult,
    WebhookInfo,
    WebhookRequest,
)

#: answers to a create whose reference_id ShipBob already has (documented: 422)
DUPLICATE_STATUSES = frozenset({409, 422})
#: answers to a cancel ShipBob refuses (e.g. the order has shipped)
REFUSED_STATUSES = frozenset({400, 409, 422})
#: order statuses past cancelling
SHIPPED_ORDER_STATUSES = frozenset({"fulfilled", "partiallyfulfilled", "completed"})


class _Ack(msgspec.Struct, frozen=True):
    """The poll cursor: shipments reported last time, marked uploaded at the next poll."""

    mark: list[int]


def _has_shipped(order: wire.Order) -> bool:
    if (order.status or "").lower() in SHIPPED_ORDER_STATUSES:
        return True
    return any(
        (s.status or "").lower() == "completed" or (s.tracking and s.tracking.tracking_number)
        for s in order.shipments or []
    )


class ShipBobConnector:
    """The ShipBob 3PL: create and cancel orders, map shipment webhooks, poll tracking."""

    name = "shipbob"
    settings_type = ShipBobSettings
    capabilities = frozenset(
        {Capability.FULFIL, Capability.RECEIVE_EVENTS, Capability.POLL_SHIPMENTS}
    )

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    # ------------------------------------------------------------------ fulfilment

    async def create_fulfilment(
        self, connection: Connection, request: FulfilmentRequest, http: PartnerHttp
    ) -> FulfilmentAccepted:
        """``POST /order`` with ``reference_id`` = the fulfilment id. When ShipBob already has
        that reference (422: a retry after a lost answer), the existing order's id is
        returned instead: one order at ShipBob however often this runs."""
        settings = parse_settings(connection.settings)
        if settings.channel_id is None:
            raise FatalError("shipbob connection settings: channel_id is needed to create orders")
        body = wire.create_order_body(request, settings)
        api = Api(connection, settings, http)
        try:
            order = await api.create_order(body)
        except FatalError as exc:
            if exc.status_code not in DUPLICATE_STATUSES:
                raise
            status = exc.status_code
        else:
            return FulfilmentAccepted(partner_ref=str(order.id))
        existing = await self._find(api, request.id)
        if existing is None:
            raise FatalError(
                f"ShipBob refused order for fulfilment {request.id} ({status}) and has no "
                "order with that reference_id",
                status_code=status,
            )
        return FulfilmentAccepted(partner_ref=str(existing.id))

    async def cancel_fulfilment(
        self,
        connection: Connection,
        request: FulfilmentRequest,
        partner_ref: str | None,
        http: PartnerHttp,
    ) -> None:
        """``POST /order/{id}:cancel``. Nothing at ShipBob, or already cancelled: done. An
        order that has shipped cannot be cancelled: FatalError saying so."""
        settings = parse_settings(connection.settings)
        api = Api(connection, settings, http)
        if partner_ref is None:
            found = await self._find(api, request.id)
            if found is None:
                return
            partner_ref = str(found.id)
        try:
            answer = await api.cancel_order(partner_ref)
        except FatalError as exc:
            if exc.status_code not in REFUSED_STATUSES:
                raise
        else:
            if str(answer.get("status", "")).lower() == "success":
                return
        order = await self._find(api, request.id)
        if order is not None and (order.status or "").lower() == "cancelled":
            return
        if order is not None and _has_shipped(order):
            raise FatalError(
                f"ShipBob order {partner_ref} (fulfilment {request.id}) has already shipped "
                "and cannot be cancelled"
            )
        raise FatalError(f"ShipBob refused to cancel order {partner_ref} (fulfilment {request.id})")

    @staticmethod
    async def _find(api: Api, reference_id: str) -> wire.Order | None:
        for order in await api.orders_by_reference(reference_id):
            if order.reference_id == reference_id:
                return order
        return None

    # ------------------------------------------------------------------ webhooks

    def verify(self, connection: Connection, request: WebhookRequest) -> None:
        """Standard Webhooks: ``v1`` HMAC-SHA256 of ``id.timestamp.body``, fresh timestamp."""
        tolerance = parse_settings(connection.settings).webhook_tolerance_seconds
        webhooks.verify(connection, request, tolerance=tolerance, now=self._clock)

    def describe(self, connection: Connection, request: WebhookRequest) -> WebhookInfo:
        """Dedupe on ``webhook-id``; topic ``x-webhook-topic`` (legacy ``shipbob-topic``)."""
        return webhooks.describe(request)

    async def events_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[PartnerEvent]:
        """``order.shipped``: one ShipmentReport per shipment; ``order.shipment.delivered``,
        ``.exception``, ``.on_hold``: the shipment's new status; ``.cancelled``:
        FulfilmentCancelled. MappingError when the body cannot be read."""
        return events.events_from_body(body, topic)

    # ------------------------------------------------------------------ polling

    async def poll_shipments(
        self, connection: Connection, cursor: str | None, http: PartnerHttp, *, until: str
    ) -> ShipmentPollResult:
        """Shipments with tracking not yet marked uploaded (``GET /order?HasTracking=true&
        IsTrackingUploaded=false``, pages of 250).

        The shipments reported are marked uploaded (``POST /shipment:batchUpdateTrackingUpload``)
        at the *next* poll, from the cursor: the hub stores the cursor only once it has kept
        the reports, so a crash in between reports them again rather than losing them.
        ShipBob's filter is by state, not time, so ``until`` is not needed.
        """
        settings = parse_settings(connection.settings)
        api = Api(connection, settings, http)
        reported = _read_cursor(cursor)
        if reported:
            await api.mark_tracking_uploaded(reported)
        orders: list[wire.Order] = []
        page, more = 1, False
        while True:
            batch, next_page = await api.untracked_orders(page)
            orders += batch
            if not next_page or not batch:
                break
            if page >= settings.poll_max_pages:
                more = True
                break
            page += 1
        reports, ids = events.polled_reports(orders)
        new_cursor = msgspec.json.encode(_Ack(mark=ids)).decode() if ids else None
        return ShipmentPollResult(shipments=reports, cursor=new_cursor, more=more and bool(ids))


def _read_cursor(cursor: str | None) -> list[int]:
    """The shipment ids a cursor holds; an unreadable one holds none (they are reported
    again and the hub's dedupe on partner_shipment_id absorbs it)."""
    if not cursor:
        return []
    try:
        return msgspec.json.decode(cursor, type=_Ack).mark
    except msgspec.MsgspecError:
        return []
