"""The pure rules of an operator's order edit and of the refund a cancellation leaves due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest

from hub.domain.lifecycle import OrderStatus
from hub.domain.order import Address, InvalidOrder, OrderData, Payment
from hub.domain.order_edit import OrderPatch, apply, keep_edits, refusal
from hub.domain.refund import refund_due
from tests.conftest import PAYLOADS


def stored() -> OrderData:
    return msgspec.json.decode((PAYLOADS / "order_minimal.json").read_bytes(), type=OrderData)


def test_apply_changes_only_what_differs_and_keeps_utc() -> None:
    berlin = timezone(timedelta(hours=1))
    patch = OrderPatch(ship_by=datetime(2025, 3, 20, 18, tzinfo=berlin), tags=[], note=None)
    data, changes = apply(stored(), patch)
    assert data.ship_by == datetime(2025, 3, 20, 17, tzinfo=UTC)
    assert changes == {"ship_by": {"from": None, "to": "2025-03-20T17:00:00Z"}}  # tags, note same


def test_apply_names_the_broken_field() -> None:
    bad = Address(line1="x", city="y", country="ZZ")
    with pytest.raises(InvalidOrder) as caught:
        apply(stored(), OrderPatch(shipping_address=bad))
    assert [e.field for e in caught.value.errors] == ["shipping_address.country"]


def test_keep_edits_keeps_a_field_the_channel_still_sends_as_before() -> None:
    operator = msgspec.structs.replace(stored(), note="operator's")
    incoming = msgspec.structs.replace(stored(), note=None, tags=["new"])
    kept, standing, back = keep_edits(incoming, operator, {"note": None})
    assert (kept.note, kept.tags, standing, back) == ("operator's", ["new"], {"note": None}, [])
    changed = msgspec.structs.replace(incoming, note="buyer's")
    kept, standing, back = keep_edits(changed, operator, {"note": None})
    assert (kept.note, standing, back) == ("buyer's", {}, ["note"])


@pytest.mark.parametrize("status", list(OrderStatus))
def test_only_orders_not_yet_released_may_change(status: OrderStatus) -> None:
    before_release = {"received", "on_hold", "accepted", "allocated"}
    why = refusal(status, "H-100002")
    assert (why is None) == (status in before_release)
    if why is not None:
        assert "H-100002" in why and status in why


@pytest.mark.parametrize(
    ("payment", "figures", "amount", "action"),
    [
        ("paid", {"captured": 3500, "refund_due": 3500}, 3500, "refund"),
        (
            "partially_refunded",
            {"captured": 3500, "refunded": 1000, "refund_due": 2500},
            2500,
            "refund",
        ),
        ("authorized", {"authorized": 3500}, 0, "void_authorization"),
        ("pending", {}, 0, "none"),
        ("refunded", {"captured": 3500, "refunded": 3500}, 0, "none"),
        ("voided", {}, 0, "none"),
        ("failed", {}, 0, "none"),
    ],
)
def test_refund_due_follows_the_payment_figures(
    payment: str, figures: dict[str, int], amount: int, action: str
) -> None:
    order = msgspec.structs.replace(stored(), payment=Payment(status=payment, **figures))  # type: ignore[arg-type]
    due = refund_due(order)
    assert (due.amount, due.action, due.currency, due.payment_status) == (
        amount,
        action,
        "EUR",
        payment,
    )
    assert due.note
