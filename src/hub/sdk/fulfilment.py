"""Fulfilment, carriers and tracking: what the hub sends to warehouses, 3PLs and carriers,
what they report back, and what goes back to the channel an order came from.

- A warehouse or 3PL connector (ShipBob, a generic REST warehouse, a CSV folder) takes a
  ``FulfilmentRequest`` (``FulfilsOrders``) and reports ``ShipmentReport``s, by webhook
  (``MapsEvents``), by polling (``PollsShipments``) or both.
- A carrier connector (EasyPost) quotes ``Rate``s, buys a ``Label`` (``BuysLabels``) and
  reports ``TrackingEvent``s by webhook (``MapsEvents``).
- A channel connector sends a ``ChannelShipment`` back to its channel (``PushesShipments``).

Every status a partner reports is mapped to one ``TrackingStatus`` by a table in the
connector (``hub.sdk.tracking_status``), never by ad hoc string tests.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, Protocol, runtime_checkable

import msgspec

from hub.domain.order import Address, Customer
from hub.sdk.connector import Connection, VerifiesWebhooks
from hub.sdk.http import PartnerHttp

TrackingStatus = Literal[
    "pre_transit",
    "in_transit",
    "out_for_delivery",
    "available_for_pickup",
    "delivered",
    "exception",
    "returned_to_sender",
    "cancelled",
    "unknown",
]
TRACKING_STATUSES: tuple[str, ...] = TrackingStatus.__args__  # type: ignore[attr-defined]


def tracking_status(table: dict[str, TrackingStatus], code: str | None) -> TrackingStatus:
    """A partner's status code through its table (case-insensitive); unknown codes: unknown."""
    if not code:
        return "unknown"
    return table.get(code.strip().lower(), "unknown")


class FulfilmentLine(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    quantity: int
    name: str | None = None
    line_id: str | None = None  # the channel's line id, when the channel gave one
    unit_price: int = 0  # minor units of the order's currency


class FulfilmentRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One location's part of an order, as the warehouse must ship it.

    ``id`` is the hub's fulfilment id: send it as the partner's own reference (ShipBob
    ``reference_id``) so that a retried request finds the first one instead of creating a
    second shipment; ``idempotency_key`` is the same value, for APIs with such a header.
    """

    id: str
    idempotency_key: str
    order_id: str
    order_number: str
    channel: str
    external_id: str
    placed_at: datetime
    location: str
    ship_to: Address | None
    customer: Customer = Customer()
    lines: list[FulfilmentLine]
    currency: str
    total: int = 0  # the order's total, minor units (some 3PLs want it for customs)
    service_level: str | None = None  # standard, expedited, next_day, ...
    carrier: str | None = None
    service: str | None = None


class FulfilmentAccepted(msgspec.Struct, frozen=True, kw_only=True):
    partner_ref: str | None = None  # the partner's id for it (ShipBob order id)


class ParcelLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int


class ShipmentReport(msgspec.Struct, frozen=True, kw_only=True):
    """A parcel a warehouse reports as shipped (or a later state of it).

    ``fulfilment_ref`` is the reference the hub sent (``FulfilmentRequest.id``); ``lines``
    empty means every line of that fulfilment. ``partner_shipment_id`` tells two parcels of
    one fulfilment apart; reports of the same parcel update it.
    """

    fulfilment_ref: str
    partner_shipment_id: str | None = None
    status: TrackingStatus = "in_transit"
    carrier: str | None = None
    service: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    lines: list[ParcelLine] = []
    shipped_at: datetime | None = None
    estimated_delivery: date | None = None
    detail: str | None = None  # the partner's own status words, for the timeline


class TrackingEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A carrier's news about one tracking number."""

    tracking_number: str
    status: TrackingStatus
    carrier: str | None = None
    detail: str | None = None
    at: datetime | None = None
    estimated_delivery: date | None = None
    public_url: str | None = None


class FulfilmentCancelled(msgspec.Struct, frozen=True, kw_only=True):
    """A partner says it cancelled a fulfilment (ShipBob ``order.shipment.cancelled``)."""

    fulfilment_ref: str
    detail: str | None = None


PartnerEvent = ShipmentReport | TrackingEvent | FulfilmentCancelled


class ShipmentPollResult(msgspec.Struct, frozen=True, kw_only=True):
    shipments: list[ShipmentReport]
    cursor: str | None
    more: bool = False


@runtime_checkable
class FulfilsOrders(Protocol):
    async def create_fulfilment(
        self, connection: Connection, request: FulfilmentRequest, http: PartnerHttp
    ) -> FulfilmentAccepted:
        """Hand the fulfilment to the partner. Must be safe to call twice with the same
        request: when the partner already has ``request.id`` (a retry after a lost answer),
        return that one's reference instead of creating another."""
        ...

    async def cancel_fulfilment(
        self,
        connection: Connection,
        request: FulfilmentRequest,
        partner_ref: str | None,
        http: PartnerHttp,
    ) -> None:
        """Cancel at the partner; FatalError when it has already shipped."""
        ...


@runtime_checkable
class MapsEvents(Protocol):
    async def events_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[PartnerEvent]:
        """The shipments, tracking news or cancellations a stored webhook body stands for.
        Raises ``MappingError`` when the body cannot be read (the message is quarantined)."""
        ...


@runtime_checkable
class ReceivesEvents(MapsEvents, VerifiesWebhooks, Protocol):
    """A warehouse or carrier whose webhooks carry shipments or tracking news."""


@runtime_checkable
class PollsShipments(Protocol):
    async def poll_shipments(
        self, connection: Connection, cursor: str | None, http: PartnerHttp, *, until: str
    ) -> ShipmentPollResult:
        """Shipments reported since ``cursor``: the fallback when a webhook never comes or
        comes without tracking."""
        ...


class Parcel(msgspec.Struct, frozen=True, kw_only=True):
    weight_grams: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]  # up to a tonne
    length_mm: Annotated[int, msgspec.Meta(ge=1, le=100_000)] | None = None
    width_mm: Annotated[int, msgspec.Meta(ge=1, le=100_000)] | None = None
    height_mm: Annotated[int, msgspec.Meta(ge=1, le=100_000)] | None = None


class LabelRequest(msgspec.Struct, frozen=True, kw_only=True):
    reference: str  # the hub's fulfilment id (a return's id for a return label)
    ship_from: Address
    ship_to: Address
    parcel: Parcel
    customer: Customer = Customer()
    #: a return label: the parcel goes from ``ship_to`` (the buyer) back to ``ship_from``;
    #: the addresses are given as for the outbound parcel and the carrier swaps them
    is_return: bool = False


class Rate(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    shipment_id: str  # the carrier API's id for the quoted shipment
    carrier: str
    service: str
    amount: int  # minor units
    currency: str
    est_delivery_days: int | None = None


class Label(msgspec.Struct, frozen=True, kw_only=True):
    carrier: str
    service: str
    tracking_number: str
    label_url: str | None = None
    label: bytes | None = None  # the label document, when fetched
    label_format: str | None = None  # png, pdf, zpl
    tracking_url: str | None = None
    tracker_id: str | None = None
    amount: int | None = None
    currency: str | None = None


@runtime_checkable
class BuysLabels(Protocol):
    async def rates(
        self, connection: Connection, request: LabelRequest, http: PartnerHttp
    ) -> list[Rate]: ...

    async def buy_label(self, connection: Connection, rate: Rate, http: PartnerHttp) -> Label:
        """Buy ``rate``'s label; safe to call twice for the same rate (a bought shipment is
        read back, not bought again)."""
        ...


class ShippedLine(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    quantity: int
    line_id: str | None = None  # the channel's line id (Amazon OrderItemId, eBay lineItemId)


class ChannelShipment(msgspec.Struct, frozen=True, kw_only=True):
    """One parcel, told to the channel the order came from."""

    shipment_id: str  # the hub's: stable across retries, usable as an idempotency key
    external_id: str  # the channel's order id
    external_number: str | None = None
    lines: list[ShippedLine]
    carrier: str | None
    service: str | None = None
    tracking_number: str | None
    tracking_url: str | None = None
    shipped_at: datetime
    complete: bool  # every line of the order has now shipped


@runtime_checkable
class PushesShipments(Protocol):
    async def push_shipment(
        self, connection: Connection, shipment: ChannelShipment, http: PartnerHttp
    ) -> None:
        """Tell the channel; safe to call twice for the same ``shipment_id``."""
        ...
