"""A mapping's ``transactions`` section: the payment's transactions, each element of ``each``
mapped by ``fields`` like a line; mistakes found at load time name the key, and at mapping
time the transaction and field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from hub.mapping import Mapping, MappingError
from tests.unit.mapping.conftest import changed, variant

SECTION = {
    "each": "payments",
    "fields": {
        "kind": {"path": "type", "table": "kinds"},
        "amount": "value",
        "reference": "ref",
        "method": "via",
        "at": "when",
        "status": {"path": "state", "default": "succeeded"},
    },
}
KINDS = {"values": {"sale": "capture", "refund": "refund"}, "unmapped": "error"}
PAYMENTS = [
    {"type": "sale", "value": "70.15", "ref": "ch_1", "via": "card",
     "when": "2025-03-14T10:22:31+01:00"},
    {"type": "refund", "value": "5.00", "ref": "re_1", "state": "pending"},
]  # fmt: skip


def with_section(tmp_path: Path, section: Any = SECTION) -> Mapping:
    return Mapping.load(
        variant(tmp_path, (("transactions",), section), (("tables", "kinds"), KINDS))
    )


def load_error(tmp_path: Path, *changes: tuple[tuple[str | int, ...], Any]) -> MappingError:
    path = variant(tmp_path, *changes)
    with pytest.raises(MappingError) as err:
        Mapping.load(path)
    return err.value


def test_transactions_are_mapped_in_the_orders_currency(tmp_path: Path, shop_order: Any) -> None:
    mapping = with_section(tmp_path)
    order = mapping.to_order(shop_order | {"payments": PAYMENTS}, channel="shop").order
    sale, refund = order.payment.transactions  # type: ignore[misc]
    assert (sale.kind, sale.amount, sale.currency, sale.reference, sale.method) == (
        "capture", 7015, "EUR", "ch_1", "card",
    )  # fmt: skip
    assert (sale.status, sale.at) == ("succeeded", datetime(2025, 3, 14, 9, 22, 31, tzinfo=UTC))
    assert (refund.kind, refund.amount, refund.status, refund.at) == (
        "refund", 500, "pending", None,
    )  # fmt: skip


def test_without_the_section_no_transactions_with_it_a_list(
    tmp_path: Path, shop: Mapping, shop_order: Any
) -> None:
    payment = shop.to_order(shop_order, channel="shop").order.payment
    assert payment.status == "paid" and payment.reported() == payment  # nothing else set
    assert isinstance(payment.transactions, msgspec.UnsetType)  # the status says it all
    listed = with_section(tmp_path).to_order(shop_order, channel="shop").order.payment
    assert listed.transactions == []  # the channel lists none: the status fills the gap


def test_a_bad_transaction_names_it_and_its_field(tmp_path: Path, shop_order: Any) -> None:
    mapping = with_section(tmp_path)
    bad = changed(PAYMENTS, (1, "type"), "chargeback")
    with pytest.raises(MappingError) as err:
        mapping.to_order(shop_order | {"payments": bad}, channel="shop")
    assert err.value.field == "transactions[1].kind" and "chargeback" in err.value.reason
    negative = changed(PAYMENTS, (0, "value"), "-1.00")
    with pytest.raises(MappingError) as err:
        mapping.to_order(shop_order | {"payments": negative}, channel="shop")
    assert err.value.field.startswith("payment.transactions[0].amount")


@pytest.mark.parametrize(
    ("changes", "key", "reason"),
    [
        ((("transactions",), changed(SECTION, ("fields", "gateway"), "via")),
         "transactions.fields.gateway", "unknown transaction field 'gateway'"),
        ((("transactions",), changed(SECTION, ("fields", "source"), "via")),
         "transactions.fields.source", "unknown transaction field 'source'"),
        ((("transactions", "fields", "amount"), None),
         "transactions.fields.amount", "expected a JMESPath string"),
        ((("order", "payment.transactions"), "payments"),
         "order.payment.transactions", "mapped in the top-level `transactions:` section"),
        ((("order", "payment.captured"), "paid"),
         "order.payment.captured", "the hub's"),
    ],
)  # fmt: skip
def test_mistakes_are_found_at_load_time(
    tmp_path: Path, changes: tuple[tuple[str, ...], Any], key: str, reason: str
) -> None:
    base = [(("transactions",), SECTION), (("tables", "kinds"), KINDS)]
    err = load_error(tmp_path, *base, changes)
    assert err.field == key and reason in err.reason


def test_kind_and_amount_must_be_mapped(tmp_path: Path) -> None:
    section = changed(SECTION, ("fields", "amount"), None)
    del section["fields"]["amount"]
    err = load_error(tmp_path, (("transactions",), section), (("tables", "kinds"), KINDS))
    assert (err.field, err.reason) == (
        "transactions.fields.amount",
        "required canonical field is not mapped",
    )
