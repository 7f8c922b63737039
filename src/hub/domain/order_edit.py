"""What an operator may change on an order before it is released (``PATCH /orders/{id}``):
the shipping address, the note, the tags, the ship-by date and the service level.

Pure: ``apply`` returns the changed order content and what changed (for the timeline);
``refusal`` says why an order can no longer be changed.
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from hub.domain.bounds import FreeText
from hub.domain.lifecycle import EDITABLE, OrderStatus
from hub.domain.order import (
    Address,
    FieldError,
    InvalidOrder,
    OrderData,
    ServiceLevel,
    ShortText,
    UtcDatetime,
    check,
)

FIELDS = ("shipping_address", "note", "tags", "ship_by", "service_level")


class OrderPatch(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The fields to change; an absent field stays as it is, ``null`` clears it (where it
    may be cleared: an order to ship keeps an address)."""

    shipping_address: Address | UnsetType = UNSET
    note: Annotated[FreeText, Meta(max_length=5000)] | UnsetType | None = UNSET
    tags: Annotated[list[ShortText], Meta(max_length=50)] | UnsetType = UNSET
    ship_by: UtcDatetime | UnsetType | None = UNSET
    service_level: ServiceLevel | UnsetType | None = UNSET


def _current(data: OrderData, name: str) -> Any:
    return data.shipping.service_level if name == "service_level" else getattr(data, name)


def _set(data: OrderData, name: str, value: Any) -> OrderData:
    if name == "service_level":
        shipping = msgspec.structs.replace(data.shipping, service_level=value)
        return msgspec.structs.replace(data, shipping=shipping)
    return msgspec.structs.replace(data, **{name: value})


def apply(data: OrderData, patch: OrderPatch) -> tuple[OrderData, dict[str, dict[str, Any]]]:
    """``data`` with ``patch`` applied, and ``{field: {"from": old, "to": new}}`` for each
    field whose value changed. Raises ``InvalidOrder`` naming the fields that break a rule."""
    given = {name: getattr(patch, name) for name in FIELDS if getattr(patch, name) is not UNSET}
    if not given:
        reason = f"names no field to change; give one or more of: {', '.join(FIELDS)}"
        raise InvalidOrder([FieldError("body", reason)])
    changes: dict[str, dict[str, Any]] = {}
    for name, value in given.items():
        if name == "ship_by" and value is not None:
            value = value.astimezone(UTC)
        old = _current(data, name)
        if value != old:
            changes[name] = {"from": msgspec.to_builtins(old), "to": msgspec.to_builtins(value)}
            data = _set(data, name, value)
    errors = [e for e in check(data) if e.field.split(".")[0] in given]
    if errors:
        raise InvalidOrder(errors)
    return data, changes


def keep_edits(
    incoming: OrderData, stored: OrderData, edits: dict[str, Any]
) -> tuple[OrderData, dict[str, Any], list[str]]:
    """A channel's new version of an order an operator edited.

    ``edits`` maps each field an operator set to the value the channel had sent before.
    While the channel still sends that value, the operator's (in ``stored``) stays; a
    field the channel changed since takes the channel's new value and is no longer the
    operator's. Returns what to store, the edits still standing, and the fields the
    channel took back."""
    standing: dict[str, Any] = {}
    taken_back: list[str] = []
    for name, sent_before in sorted(edits.items()):
        if msgspec.to_builtins(_current(incoming, name)) == sent_before:
            incoming = _set(incoming, name, _current(stored, name))
            standing[name] = sent_before
        else:
            taken_back.append(name)
    return incoming, standing, taken_back


def refusal(status: OrderStatus, number: str) -> str | None:
    """Why an order that is ``status`` may not be changed any more; None if it may."""
    if status in EDITABLE:
        return None
    if status == OrderStatus.CANCELLED:
        return f"order {number} is cancelled; a cancelled order does not change"
    if status == OrderStatus.CLOSED:
        return f"order {number} is closed; a closed order does not change"
    return (
        f"order {number} is {status}: it was released to fulfilment, and the warehouse works "
        "from what it was sent. Change the shipment with the warehouse, or cancel the order "
        "if nothing has shipped"
    )
