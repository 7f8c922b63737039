"""``/fulfilments`` (the merchant's own warehouse: open work, shipments confirmed) and
``/track/{public_ref}`` (what a buyer may see, without a key)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from hub.api.auth import requires
from hub.api.fulfilment_io import (
    FulfilmentOut,
    LabelAsk,
    PublicTracking,
    fulfilment_out,
    tracking_out,
)
from hub.api.html import PAGE_HEADERS, PageOperation, wants_html
from hub.api.paging import Listing, Page, PageAsk
from hub.bootstrap import Hub
from hub.domain.bounds import OneLine, check_dates
from hub.sdk import ParcelLine, ShipmentReport, TrackingStatus
from hub.services.fulfilment import labels, own_warehouse, public_tracking
from hub.services.fulfilment.own_warehouse import FulfilmentView
from hub.services.keys import Principal
from hub.services.notifications import page

Text = Annotated[OneLine, msgspec.Meta(min_length=1, max_length=100)]
FulfilmentFilter = Literal[
    "open", "accepted", "partially_shipped", "shipped", "delivered", "cancelled"
]
_FULFILMENTS: Listing[tuple[datetime, str]] = Listing("fulfilments", tuple[datetime, str])


def _key(view: FulfilmentView) -> tuple[datetime, str]:
    return view.fulfilment.created_at, view.fulfilment.id


class ShippedLineIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sku: Text
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]


class ShipmentIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A parcel the warehouse shipped. No lines: everything left on the fulfilment."""

    carrier: Text
    tracking_number: Text
    service: Text | None = None
    tracking_url: Annotated[OneLine, msgspec.Meta(max_length=2000)] | None = None
    lines: Annotated[list[ShippedLineIn], msgspec.Meta(max_length=500)] = []
    shipped_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    estimated_delivery: date | None = None
    status: TrackingStatus = "in_transit"

    def __post_init__(self) -> None:
        check_dates(self, "shipped_at", "estimated_delivery")


class FulfilmentController(Controller):
    path = "/fulfilments"
    tags = ["fulfilment"]

    @get("/", guards=[requires("fulfilment:read")], summary="Fulfilments, oldest first")
    async def list_all(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        page: NamedDependency[PageAsk],
        location: Annotated[list[str] | None, QueryParameter(description="any of")] = None,
        status: Annotated[
            list[FulfilmentFilter] | None,
            QueryParameter(description="any of; open: everything not yet shipped nor ended"),
        ] = None,
    ) -> Page[FulfilmentOut]:
        """``status=open``: everything not yet fully shipped nor cancelled. A channel's key
        sees its own channel's orders' fulfilments only."""
        found = await own_warehouse.list_fulfilments(
            hub.db,
            location=location,
            status=status,
            limit=page.fetch,
            after=_FULFILMENTS.after(page.cursor),
            channels=request.user.channels("fulfilment:read"),
        )
        return _FULFILMENTS.page(found, page, key=_key, show=fulfilment_out)

    @get("/{fulfilment_id:str}", guards=[requires("fulfilment:read")], summary="One fulfilment")
    async def get_one(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        fulfilment_id: FromPath[str],
    ) -> FulfilmentOut:
        reach = request.user.channels("fulfilment:read")
        return fulfilment_out(await own_warehouse.get_fulfilment(hub.db, fulfilment_id, reach))

    @post(
        "/{fulfilment_id:str}/shipments",
        guards=[requires("fulfilment:write")],
        status_code=201,
        summary="Confirm a parcel shipped from this fulfilment (lines, carrier, tracking)",
    )
    async def ship(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        fulfilment_id: FromPath[str],
        data: JSONBody[ShipmentIn],
    ) -> FulfilmentOut:
        """The same tracking number twice is the same parcel (updated, not shipped twice)."""
        report = ShipmentReport(
            fulfilment_ref=fulfilment_id,
            partner_shipment_id=data.tracking_number,
            status=data.status,
            carrier=data.carrier,
            service=data.service,
            tracking_number=data.tracking_number,
            tracking_url=data.tracking_url,
            lines=[ParcelLine(x.sku, x.quantity) for x in data.lines],
            shipped_at=data.shipped_at,
            estimated_delivery=data.estimated_delivery,
        )
        view = await own_warehouse.confirm_shipment(
            hub.db, fulfilment_id, report, actor=request.user.actor
        )
        return fulfilment_out(view)


class LabelQueued(msgspec.Struct, frozen=True):
    fulfilment_id: str
    carrier_connection: str
    status: str = "queued"


@post(
    "/fulfilments/{fulfilment_id:str}/label",
    guards=[requires("fulfilment:write")],
    status_code=202,
    summary="Buy a shipping label: carrier and service chosen by the routing rules",
    tags=["fulfilment"],
)
async def ask_label(
    hub: NamedDependency[Hub], fulfilment_id: FromPath[str], data: JSONBody[LabelAsk]
) -> LabelQueued:
    code = await labels.ask_label(
        hub.db, hub.connections, fulfilment_id, data.parcel, data.carrier_connection
    )
    return LabelQueued(fulfilment_id, code)


@get(
    "/fulfilments/{fulfilment_id:str}/label",
    guards=[requires("fulfilment:read")],
    summary="The bought label's document (PNG, PDF or ZPL)",
    tags=["fulfilment"],
    responses={
        200: ResponseSpec(
            bytes,
            generate_examples=False,
            media_type="*/*",
            description="The label as the carrier sold it: image/png, application/pdf, "
            "or text/plain (ZPL)",
        )
    },
)
async def label(
    request: Request[Principal, Any, Any], hub: NamedDependency[Hub], fulfilment_id: FromPath[str]
) -> Response[bytes]:
    reach = request.user.channels("fulfilment:read")
    document, media = await labels.label_document(hub.db, fulfilment_id, reach)
    return Response(document, media_type=media)


@get(
    "/track/{public_ref:str}",
    summary="An order's delivery status for its buyer (no key; no personal data)",
    description="JSON by default. A client whose `Accept` asks for `text/html` (a browser, "
    "the link in every buyer mail) gets the brand's tracking page instead: the same facts "
    "and each parcel's history, no name, address or price, no third-party script.",
    tags=["tracking"],
    responses={200: ResponseSpec(PublicTracking, description="The order's public view")},
    operation_class=PageOperation,
)
async def track(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], public_ref: FromPath[str]
) -> Response[Any]:
    view = await public_tracking.public_tracking(hub.db, public_ref)
    public = tracking_out(view)
    if wants_html(request.headers.get("accept")):
        html = await page.tracking_html(
            hub.db, hub.mailer, view.order.id, view.order.channel, public
        )
        return Response(html, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)
    return Response(public, headers={"Vary": "Accept"})


__all__ = ["FulfilmentController", "ask_label", "label", "track"]
