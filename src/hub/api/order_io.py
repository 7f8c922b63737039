"""What ``/orders`` takes and gives besides the canonical order: the list's filters (a
dependency, so the handler stays short), its cursors, and the action and cancel Structs."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated

import msgspec
from litestar.params import QueryParameter

from hub.api.paging import Listing
from hub.domain.bounds import FreeText
from hub.domain.lifecycle import OrderStatus
from hub.domain.order import FieldError, Order
from hub.domain.refund import RefundDue
from hub.errors import HubError
from hub.services.orders import OrderFilter, OrderSort

#: one cursor per sort order: a cursor of one sort is refused by another
LISTINGS: dict[OrderSort, Listing[tuple[datetime, str]]] = {
    sort: Listing(f"orders{sort.value}", tuple[datetime, str]) for sort in OrderSort
}


class ActionIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[FreeText, msgspec.Meta(max_length=500)] | None = None


class CancelledOrder(Order, frozen=True, kw_only=True):
    """The cancelled order, and what its buyer is owed back (the hub moves no money)."""

    refund_due: RefundDue


def _many(description: str) -> QueryParameter:
    return QueryParameter(description=f"{description}; repeat for any of several", max_items=100)


Texts = list[Annotated[str, msgspec.Meta(max_length=200)]]
Since = Annotated[datetime | None, QueryParameter(description="with a UTC offset; inclusive")]


def order_filters(
    channel: Annotated[Texts | None, _many("the connection code")] = None,
    status: Annotated[list[OrderStatus] | None, _many("the order status")] = None,
    external_id: Annotated[Texts | None, _many("the channel's id for the order")] = None,
    number: Annotated[Texts | None, _many("the hub number, e.g. H-100002")] = None,
    sku: Annotated[Texts | None, _many("a SKU on one of its lines")] = None,
    placed_since: Since = None,
    placed_until: Annotated[
        datetime | None, QueryParameter(description="with a UTC offset; exclusive")
    ] = None,
    updated_since: Since = None,
    q: Annotated[
        str | None,
        QueryParameter(
            min_length=3,
            max_length=200,
            description="text in the number, external id or number, buyer name or email",
        ),
    ] = None,
) -> OrderFilter:
    """The ``filters`` dependency of ``GET /orders``."""
    times = {
        "placed_since": placed_since,
        "placed_until": placed_until,
        "updated_since": updated_since,
    }
    naive = [FieldError(k, "has no UTC offset") for k, v in times.items() if v and not v.tzinfo]
    if naive:
        names = ", ".join(e.field for e in naive)
        raise HubError(f"{names}: give a UTC offset, e.g. 2025-03-14T00:00:00Z", naive)
    return OrderFilter(
        channels=channel,
        statuses=status,
        external_ids=external_id,
        numbers=number,
        skus=sku,
        placed_since=placed_since,
        placed_until=placed_until,
        updated_since=updated_since,
        q=q,
    )


def visible_to(found: OrderFilter, readable: frozenset[str] | None) -> OrderFilter:
    """``found`` narrowed to the channels a key may read (None: every channel)."""
    if readable is None:
        return found
    asked = found.channels
    channels = sorted(readable) if asked is None else [c for c in asked if c in readable]
    return dataclasses.replace(found, channels=channels)
