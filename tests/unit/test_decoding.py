"""Request bodies decoded strictly, with every error named at its path (``api/decoding``)."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from hub.api.decoding import MalformedBody, decode_body
from hub.api.fulfilment import ShipmentIn
from hub.api.stock import MovementsIn
from hub.domain.bounds import FREE_TEXT, ONE_LINE, PATTERN_REASONS
from hub.domain.order import OrderData
from hub.errors import Unprocessable
from hub.services.stock import LocationIn
from tests.conftest import PAYLOADS


def order() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PAYLOADS / "order_callcentre.json").read_text())
    return body


def errors_of(body: Any, target: Any) -> dict[str, str]:
    """The fields a body's 422 names, with their reasons."""
    with pytest.raises(Unprocessable) as refused:
        decode_body(json.dumps(body).encode(), target)
    found = {e.field: e.reason for e in refused.value.errors}
    assert len(found) == len(refused.value.errors), refused.value.errors  # no field twice
    return found


def test_a_valid_order_decodes() -> None:
    decoded = decode_body(json.dumps(order()).encode(), OrderData)
    assert isinstance(decoded, OrderData)
    assert decoded.lines[0].unit_price == 2900


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("lines", 0, "unit_price"), 2900.0),
        (("lines", 0, "quantity"), 2.0),
        (("totals", "total"), 7015.0),
        (("lines", 0, "quantity"), "2"),
        (("shipping", "price"), True),
    ],
)
def test_a_number_of_the_wrong_kind_is_refused_even_when_it_is_whole(
    path: tuple[Any, ...], value: Any
) -> None:
    body = order()
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    field = ".".join(str(p) for p in path).replace(".0.", "[0].")
    assert list(errors_of(body, OrderData)) == [field]


def test_every_field_error_is_named_at_once() -> None:
    body = order()
    body["external_id"] = "CC\x001042"
    body["customer"]["name"] = "Ana\nLima"
    body["lines"][0]["unit_price"] = 2900.5
    body["lines"][2]["sku"] = ""
    body["shipping_address"]["country"] = "DE\n"
    del body["lines"][1]["quantity"]
    body["tags"] = ["ok", "tab\there"]
    found = errors_of(body, OrderData)
    assert set(found) == {
        "external_id",
        "customer.name",
        "lines[0].unit_price",
        "lines[2].sku",
        "shipping_address.country",
        "lines[1].quantity",
        "tags[1]",
    }
    assert found["external_id"] == PATTERN_REASONS[ONE_LINE]
    assert found["lines[1].quantity"] == "is required"
    assert "`" not in "".join(found.values())


def test_a_float_price_and_a_wrong_total_come_in_one_answer() -> None:
    """Issue 10: the order rules run on the leniently read body too."""
    body = order()
    body["lines"][0]["unit_price"] = 2900.0
    body["totals"]["total"] = 1
    found = errors_of(body, OrderData)
    assert set(found) == {"lines[0].unit_price", "totals.total"}
    assert "float" in found["lines[0].unit_price"]


def test_free_text_keeps_tabs_and_line_breaks_but_not_nul() -> None:
    body = order()
    body["note"] = "Ring twice\n\tthen wait\r\n"
    assert decode_body(json.dumps(body).encode(), OrderData).note == body["note"]
    body["note"] = "bad\x00"
    assert errors_of(body, OrderData) == {"note": PATTERN_REASONS[FREE_TEXT]}


def test_unknown_fields_lengths_and_dict_keys_are_named() -> None:
    movements = {
        "movements": [
            {"kind": "receipt", "sku": "A", "location": "main", "quantity": 1, "reason": "r"},
            {"kind": "receipt", "sku": "B", "location": "main", "quantity": 2**31, "reason": ""},
            {"kind": "take", "sku": "C", "location": "m\x00", "quantity": 1, "reason": "r", "x": 1},
        ]
    }
    assert set(errors_of(movements, MovementsIn)) == {
        "movements[1].quantity",
        "movements[1].reason",
        "movements[2].kind",
        "movements[2].location",
        "movements[2].x",
    }
    assert errors_of({"movements": []}, MovementsIn) == {"movements": "needs at least 1 items"}
    location = {"code": "main", "name": "Main", "priority": 2**40, "safety_stock": -1}
    assert set(errors_of(location, LocationIn)) == {"priority", "safety_stock"}


def test_a_struct_check_names_its_field() -> None:
    shipment = {"carrier": "DHL", "tracking_number": "JD1", "shipped_at": "0001-01-01T00:00:00Z"}
    found = errors_of(shipment, ShipmentIn)
    assert list(found) == ["shipped_at"]
    assert "1970" in found["shipped_at"]
    late = {"carrier": "DHL", "tracking_number": "JD1", "estimated_delivery": "9999-12-31"}
    assert list(errors_of(late, ShipmentIn)) == ["estimated_delivery"]


def test_not_an_object_names_the_body() -> None:
    assert list(errors_of([1, 2, 3], OrderData)) == ["body"]


@pytest.mark.parametrize("depth", [1_000, 5_000, 100_000])
def test_json_nested_too_deep_is_a_400(depth: int) -> None:
    body = b"[" * depth + b"]" * depth
    with pytest.raises(MalformedBody, match="nested too deeply"):
        decode_body(body, OrderData)
    with pytest.raises(MalformedBody, match="nested too deeply"):
        decode_body(
            b'{"skus": [{"sku": "A", "name": "A", "attributes": {"a": ' + body + b"}}]}", Any
        )


def test_malformed_json_is_a_400() -> None:
    with pytest.raises(MalformedBody):
        decode_body(b'{"currency": "EUR"', OrderData)
    with pytest.raises(MalformedBody):
        decode_body(b'{"external_id": "\\ud800"}', OrderData)  # a lone surrogate


def test_strict_decoding_returns_what_msgspec_does() -> None:
    raw = json.dumps(order()).encode()
    assert decode_body(raw, OrderData) == msgspec.json.decode(raw, type=OrderData)


def test_a_body_that_breaks_its_type_before_its_bad_bytes_is_malformed_json() -> None:
    # the typed read fails on the first item (a list is no Struct) before it reaches the
    # broken bytes; the second, untyped read must then say "not valid JSON", not crash
    with pytest.raises(MalformedBody):
        decode_body(b"[\x01\x02X", OrderData)
