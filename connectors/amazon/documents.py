"""Amazon's documents as the mapping sees them: the combined root of an order and its items.

``{"order": <getOrders order>, "items": [<getOrderItems items>]}`` is what a poll keeps as
one message and what ``amazon_order.yaml`` maps. ``roots`` builds them from saved
getOrders / getOrderItems responses (``hub normalize amazon getorders.json items.json``).

A poll that got no Restricted Data Token adds ``"pii_withheld": <why>`` to the root: Amazon
then sends a merchant-fulfilled order without the buyer's name and street address, and
``explain`` turns the mapping's bare "required" on those fields into a reason that names the
missing role.
"""

from __future__ import annotations

from typing import Any

import msgspec

from hub.sdk import MappingError

#: statuses whose order has no prices yet: not kept, it comes again once paid
#: (its LastUpdateDate changes)
UNPRICED = frozenset({"Pending", "PendingAvailability"})


def skip(order: dict[str, Any]) -> bool:
    """An order with nothing to map yet: awaiting payment, or cancelled before it was paid
    (the hub never saw it, as it skipped the pending order)."""
    status = order.get("OrderStatus")
    return status in UNPRICED or (status == "Canceled" and not order.get("OrderTotal"))


#: the key of the combined root that says why the order came without PII
WITHHELD = "pii_withheld"
#: canonical objects that only PII fills (the mapping's field names start with them)
PII_OBJECTS = frozenset({"shipping_address", "customer", "billing_address"})


def root(
    order: dict[str, Any], items: list[dict[str, Any]], withheld: str | None = None
) -> dict[str, Any]:
    found: dict[str, Any] = {"order": order, "items": items}
    if withheld is not None:
        found[WITHHELD] = withheld
    return found


def merchant_fulfilled(order: dict[str, Any]) -> bool:
    """Whether the seller ships the order (MFN); Amazon ships AFN (FBA) orders itself."""
    return order.get("FulfillmentChannel") != "AFN"


def dedupe_key(order: dict[str, Any], withheld: str | None) -> str:
    """``{AmazonOrderId}@{LastUpdateDate}``; a merchant-fulfilled order fetched without its
    PII gets ``#no-pii`` on top, so that the same version fetched again with an RDT (once the
    app has the role) is a new message rather than a duplicate of the quarantined one."""
    key = f"{order['AmazonOrderId']}@{order.get('LastUpdateDate')}"
    return key + "#no-pii" if withheld is not None and merchant_fulfilled(order) else key


def explain(error: MappingError, found: dict[str, Any]) -> MappingError:
    """``error`` with the reason PII was withheld, when that is why a merchant-fulfilled
    order could not be mapped (a name or address field); otherwise ``error`` itself."""
    withheld = found.get(WITHHELD)
    order = found.get("order")
    if not (isinstance(withheld, str) and isinstance(order, dict) and merchant_fulfilled(order)):
        return error
    if error.field.split(".", 1)[0].split("[", 1)[0] not in PII_OBJECTS:
        return error
    reason = (
        f"{withheld}, so Amazon sent this merchant-fulfilled order without the buyer's name "
        f"and street address ({error.reason})"
    )
    return MappingError(error.mapping, error.field, reason)


def decode(document: bytes, mapping: str) -> Any:
    try:
        return msgspec.json.decode(document)
    except msgspec.DecodeError as exc:
        raise MappingError(mapping, "$", f"the document is not JSON: {exc}") from None


def roots(documents: list[bytes], mapping: str) -> list[dict[str, Any]]:
    """Combined roots from getOrders responses, getOrderItems responses (matched to their
    order by AmazonOrderId; several pages of one order are joined) and combined roots."""
    found: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    items: dict[str, list[dict[str, Any]]] = {}
    for i, raw in enumerate(documents, 1):
        document = decode(raw, mapping)
        payload = document.get("payload") if isinstance(document, dict) else None
        if isinstance(document, dict) and isinstance(document.get("order"), dict):
            if not isinstance(document.get("items"), list):
                raise MappingError(mapping, "items", f"document {i}: items is not an array")
            if not skip(document["order"]):
                found.append(document)
        elif isinstance(payload, dict) and isinstance(payload.get("Orders"), list):
            if not all(isinstance(order, dict) for order in payload["Orders"]):
                raise MappingError(mapping, "order", f"document {i}: Orders holds a non-object")
            orders.extend(payload["Orders"])
        elif isinstance(payload, dict) and isinstance(payload.get("OrderItems"), list):
            order_id = str(payload.get("AmazonOrderId"))
            items.setdefault(order_id, []).extend(payload["OrderItems"])
        else:
            raise MappingError(
                mapping,
                "$",
                f"document {i} is neither a getOrders nor a getOrderItems response "
                'nor {"order", "items"}',
            )
    for order in orders:
        if skip(order):
            continue
        order_id = str(order.get("AmazonOrderId"))
        if order_id not in items:
            raise MappingError(mapping, "items", f"no getOrderItems response for order {order_id}")
        found.append(root(order, items[order_id]))
    return found
