"""The channel-line builder: a parcel's stock SKUs back to the channel's own order lines."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from hub.domain.order import Order
from hub.sdk import ShippedLine
from hub.services.fulfilment.channel_push import channel_lines


def order(*lines: tuple[str | None, str, int]) -> Order:
    return msgspec.convert(
        {
            "id": "O1",
            "number": "H-100001",
            "public_ref": "REF",
            "status": "released",
            "received_at": datetime(2025, 3, 14, tzinfo=UTC),
            "updated_at": datetime(2025, 3, 14, tzinfo=UTC),
            "channel": "shop",
            "external_id": "1001",
            "currency": "EUR",
            "lines": [
                {"line_id": line_id, "sku": sku, "quantity": q, "unit_price": 100}
                for line_id, sku, q in lines
            ],
            "totals": {"subtotal": 0, "total": 0},
        },
        Order,
    )


def shipped(sku: str, quantity: int, line_id: str | None = None) -> ShippedLine:
    return ShippedLine(sku=sku, quantity=quantity, line_id=line_id)


def test_each_order_line_gets_what_the_parcel_carries_of_it() -> None:
    got = channel_lines(order(("L1", "TEE", 2), ("L2", "MUG", 1)), {"TEE": 2, "MUG": 1})
    assert got == [shipped("TEE", 2, "L1"), shipped("MUG", 1, "L2")]


def test_a_partial_parcel_names_only_what_it_carries() -> None:
    got = channel_lines(order(("L1", "TEE", 2), ("L2", "MUG", 1)), {"TEE": 1})
    assert got == [shipped("TEE", 1, "L1")]


def test_units_of_one_sku_fill_its_lines_in_order_up_to_each_quantity() -> None:
    two_lines = order(("L1", "TEE", 2), ("L2", "TEE", 3))
    assert channel_lines(two_lines, {"TEE": 4}) == [
        shipped("TEE", 2, "L1"),
        shipped("TEE", 2, "L2"),
    ]
    assert channel_lines(two_lines, {"TEE": 9}) == [  # never more than was ordered
        shipped("TEE", 2, "L1"),
        shipped("TEE", 3, "L2"),
    ]


def test_lines_without_a_channel_line_id_keep_none() -> None:
    assert channel_lines(order((None, "TEE", 1)), {"TEE": 1}) == [shipped("TEE", 1, None)]


def test_a_bundle_or_alias_shipped_as_stock_skus_is_named_by_stock_sku() -> None:
    kit = order(("L1", "KIT", 1))
    assert channel_lines(kit, {"TEE": 1, "MUG": 1}) == [
        shipped("MUG", 1),
        shipped("TEE", 1),
    ]
