"""Returns: ``POST /orders/{order_id}/returns`` opens one; ``/returns`` lists, shows,
authorises, rejects, cancels, receives, refunds and closes them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from hub.api.auth import requires
from hub.api.paging import Listing, Page, PageAsk
from hub.bootstrap import Hub
from hub.domain.returns import ReturnStatus
from hub.services.keys import Principal
from hub.services.returns import decisions, opening, policy, receiving, refunds, views
from hub.services.returns.decisions import AuthoriseIn, DecisionIn
from hub.services.returns.opening import ReturnIn
from hub.services.returns.receiving import ReceiveIn
from hub.services.returns.refunds import RefundIn
from hub.services.returns.views import ReturnOut

_RETURNS: Listing[tuple[datetime, str]] = Listing("returns", tuple[datetime, str])
Actor = Request[Principal, Any, Any]


def _key(r: ReturnOut) -> tuple[datetime, str]:
    return r.created_at, r.id


class OrderReturnController(Controller):
    path = "/orders/{order_id:str}/returns"
    tags = ["returns"]

    @post("/", guards=[requires("returns:write")], status_code=201,
          summary="Open a return of shipped lines: reason, note, wanted resolution")  # fmt: skip
    async def open(
        self, request: Actor, hub: NamedDependency[Hub], order_id: FromPath[str],
        data: JSONBody[ReturnIn],
    ) -> ReturnOut:  # fmt: skip
        """More than was shipped less what other returns hold is a 422 naming the line; a
        return outside the channel's policy waits ``requested`` with the reasons."""
        return_id = await opening.post_return(
            hub.db, order_id, data, actor=request.user.actor,
            policy_of=policy.policy_of(hub.connections),
        )  # fmt: skip
        return await views.get_return(hub.db, return_id)


class ReturnController(Controller):
    path = "/returns"
    tags = ["returns"]

    @get("/", guards=[requires("returns:read")], summary="Returns, oldest first")
    async def list_all(
        self,
        hub: NamedDependency[Hub],
        page: NamedDependency[PageAsk],
        states: Annotated[
            list[ReturnStatus] | None, QueryParameter(name="state", description="any of")
        ] = None,
        order_id: Annotated[str | None, QueryParameter(max_length=26)] = None,
    ) -> Page[ReturnOut]:
        found = await views.list_returns(
            hub.db, status=[s.value for s in states] if states else None, order_id=order_id,
            after=_RETURNS.after(page.cursor), limit=page.fetch,
        )  # fmt: skip
        return _RETURNS.page(found, page, key=_key, show=lambda r: r)

    @get("/{return_id:str}", guards=[requires("returns:read")], summary="One return")
    async def get_one(self, hub: NamedDependency[Hub], return_id: FromPath[str]) -> ReturnOut:
        return await views.get_return(hub.db, return_id)

    @post("/{return_id:str}/authorise", guards=[requires("returns:write")], status_code=200,
          summary="Authorise a return; with a parcel, buy its return label")  # fmt: skip
    async def authorise(
        self, request: Actor, hub: NamedDependency[Hub], return_id: FromPath[str],
        data: JSONBody[AuthoriseIn],
    ) -> ReturnOut:  # fmt: skip
        """The label (EasyPost ``is_return``) is bought by a job and shows on the return."""
        asked = data.carrier_connection
        code = policy.label_connection(hub.connections, asked) if data.parcel else None
        await decisions.authorise(
            hub.db, return_id, data, actor=request.user.actor, label_connection=code,
            return_location=policy.return_location(hub.connections),
        )  # fmt: skip
        return await views.get_return(hub.db, return_id)

    async def _decide(
        self, request: Actor, hub: Hub, return_id: str, target: ReturnStatus, data: DecisionIn
    ) -> ReturnOut:
        await decisions.decide(hub.db, return_id, target, data, actor=request.user.actor)
        return await views.get_return(hub.db, return_id)

    @post("/{return_id:str}/reject", guards=[requires("returns:write")], status_code=200,
          summary="Reject a requested return, with the reason")  # fmt: skip
    async def reject(
        self, request: Actor, hub: NamedDependency[Hub], return_id: FromPath[str],
        data: JSONBody[DecisionIn],
    ) -> ReturnOut:  # fmt: skip
        return await self._decide(request, hub, return_id, ReturnStatus.REJECTED, data)

    @post("/{return_id:str}/cancel", guards=[requires("returns:write")], status_code=200,
          summary="Cancel a return nothing of which was received")  # fmt: skip
    async def cancel(
        self, request: Actor, hub: NamedDependency[Hub], return_id: FromPath[str],
        data: JSONBody[DecisionIn],
    ) -> ReturnOut:  # fmt: skip
        return await self._decide(request, hub, return_id, ReturnStatus.CANCELLED, data)

    @post("/{return_id:str}/close", guards=[requires("returns:write")], status_code=200,
          summary="Close a received or refunded return")  # fmt: skip
    async def close(
        self, request: Actor, hub: NamedDependency[Hub], return_id: FromPath[str],
        data: JSONBody[DecisionIn],
    ) -> ReturnOut:  # fmt: skip
        return await self._decide(request, hub, return_id, ReturnStatus.CLOSED, data)

    @post("/{return_id:str}/receive", guards=[requires("returns:write")], status_code=200,
          summary="Receive units at any location, each line graded")  # fmt: skip
    async def receive(
        self, request: Actor, hub: NamedDependency[Hub], return_id: FromPath[str],
        data: JSONBody[ReceiveIn],
    ) -> ReturnOut:  # fmt: skip
        """``sellable`` goes back into stock there (every channel's figure follows),
        ``refurbish`` to a location no channel is offered, ``damaged`` is written off. Units
        received already are a 409 naming the line; nothing is written."""
        await receiving.post_receipt(
            hub.db, return_id, data, actor=request.user.actor,
            policy_of=policy.policy_of(hub.connections),
            offered_to=policy.offered_to(hub.connections),
        )  # fmt: skip
        return await views.get_return(hub.db, return_id)

    @post("/{return_id:str}/refund", guards=[requires("returns:write")], status_code=200,
          summary="Refund what was received: sent to the channel once, then recorded")  # fmt: skip
    async def refund(
        self, request: Actor, hub: NamedDependency[Hub], return_id: FromPath[str],
        data: JSONBody[RefundIn],
    ) -> ReturnOut:  # fmt: skip
        """More than captured less refunded (and less refunds on their way) is a 422 naming
        ``amount``; nothing is written."""
        await refunds.post_refund(
            hub.db, return_id, data, actor=request.user.actor,
            policy_of=policy.policy_of(hub.connections),
            sends_refunds=policy.sends_refunds(hub.connections),
        )  # fmt: skip
        return await views.get_return(hub.db, return_id)


__all__ = ["OrderReturnController", "ReturnController"]
