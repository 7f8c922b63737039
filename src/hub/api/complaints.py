"""Complaints: ``POST /orders/{id}/complaints``, ``GET /complaints`` (paged, filtered, with
``overdue=true`` for the late ones), ``GET /complaints/{id}``, its answer, resolution and
rejection, and ``GET /complaints/stats``.

A channel's own key opens and reads complaints on its channel's orders only (another
channel's order or complaint is 404, as ``GET /orders/{id}`` answers); answering, resolving,
rejecting and the figures need ``complaints:write`` / ``complaints:read`` for every channel.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from hub.api.auth import requires
from hub.api.paging import Listing, Page, PageAsk
from hub.bootstrap import Hub
from hub.clock import utcnow
from hub.domain.complaints import AnswerIn, ComplaintIn, ComplaintStatus, Kind, OutcomeIn, RejectIn
from hub.domain.order import FieldError
from hub.errors import HubError, NotFound
from hub.services.complaints import actions, opening, views
from hub.services.complaints.stats import ComplaintStats, stats
from hub.services.complaints.views import Complaint
from hub.services.keys import Principal
from hub.store.complaints import ComplaintFilter

LISTING: Listing[tuple[datetime, str]] = Listing("complaints", tuple[datetime, str])
STATS_WINDOW = timedelta(days=30)
Texts = list[Annotated[str, QueryParameter(max_length=200)]]


def _many(description: str) -> Any:
    return QueryParameter(description=f"{description}; repeat for any of several", max_items=100)


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise HubError(
            f"{name}: give a UTC offset, e.g. 2025-03-14T00:00:00Z",
            [FieldError(name, "has no UTC offset")],
        )


class OrderComplaintController(Controller):
    path = "/orders/{order_id:str}/complaints"
    tags = ["complaints"]

    @post(
        "/",
        guards=[requires("complaints:write")],
        status_code=201,
        summary="Open a complaint about an order (optionally some of its lines)",
    )
    async def open(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
        data: JSONBody[ComplaintIn],
    ) -> Complaint:
        """Due after the channel's ``complaint_sla_hours`` (48 h unless set); on the
        order's timeline as ``complaint_opened``."""
        return await opening.open_complaint(
            hub.db,
            hub.connections,
            order_id,
            data,
            channels=request.user.channels("complaints:write"),
            actor=request.user.actor,
        )


class ComplaintController(Controller):
    path = "/complaints"
    tags = ["complaints"]

    @get("/", guards=[requires("complaints:read")], summary="List complaints, newest first")
    async def list_complaints(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        page: NamedDependency[PageAsk],
        status: Annotated[list[ComplaintStatus] | None, _many("the complaint's status")] = None,
        kind: Annotated[list[Kind] | None, _many("the kind of complaint")] = None,
        channel: Annotated[Texts | None, _many("the order's channel")] = None,
        order_id: Annotated[str | None, QueryParameter(max_length=26)] = None,
        overdue: Annotated[
            bool, QueryParameter(description="true: only open or answered ones past their due")
        ] = False,
    ) -> Page[Complaint]:
        now = utcnow()
        reach = request.user.channels("complaints:read")
        channels = channel
        if reach is not None:
            channels = [c for c in (channel or sorted(reach)) if c in reach]
        found = ComplaintFilter(
            channels=channels, statuses=status, kinds=kind, order_id=order_id,
            overdue_at=now if overdue else None,
        )  # fmt: skip
        rows = await views.list_page(hub.db, found, LISTING.after(page.cursor), page.fetch, now)
        return LISTING.page(rows, page, key=lambda c: (c.created_at, c.id), show=lambda c: c)

    @get(
        "/stats",
        guards=[requires("complaints:read", every_channel=True)],
        summary="Complaints by kind and carrier, location and SKU, per 1,000 shipped units",
    )
    async def complaint_stats(
        self,
        hub: NamedDependency[Hub],
        since: Annotated[
            datetime | None,
            QueryParameter(description="with a UTC offset; default: 30 days ago"),
        ] = None,
    ) -> ComplaintStats:
        _aware("since", since)
        return await stats(hub.db, since or utcnow() - STATS_WINDOW)

    @get("/{complaint_id:str}", guards=[requires("complaints:read")], summary="A complaint")
    async def get_complaint(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        complaint_id: FromPath[str],
    ) -> Complaint:
        found = await views.get(hub.db, complaint_id, utcnow())
        reach = request.user.channels("complaints:read")
        if found is None or (reach is not None and found.channel not in reach):
            raise NotFound(f"no complaint {complaint_id}")
        return found

    @post(
        "/{complaint_id:str}/answer",
        guards=[requires("complaints:write", every_channel=True)],
        status_code=200,
        summary="Record the answer given to the buyer",
    )
    async def answer(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        complaint_id: FromPath[str],
        data: JSONBody[AnswerIn],
    ) -> Complaint:
        return await actions.answer(hub.db, complaint_id, data, actor=request.user.actor)

    @post(
        "/{complaint_id:str}/resolve",
        guards=[requires("complaints:write", every_channel=True)],
        status_code=200,
        summary="Resolve with an outcome: refund, reship, voucher, return_required or none",
    )
    async def resolve(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        complaint_id: FromPath[str],
        data: JSONBody[OutcomeIn],
    ) -> Complaint:
        return await actions.resolve(
            hub.db, hub.writer, complaint_id, data, actor=request.user.actor
        )

    @post(
        "/{complaint_id:str}/reject",
        guards=[requires("complaints:write", every_channel=True)],
        status_code=200,
        summary="Reject a complaint, saying why",
    )
    async def reject(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        complaint_id: FromPath[str],
        data: JSONBody[RejectIn],
    ) -> Complaint:
        return await actions.reject(hub.db, complaint_id, data, actor=request.user.actor)


__all__ = ["ComplaintController", "OrderComplaintController"]
