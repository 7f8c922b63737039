"""Warehouse mapping files: where they are found, the request template, and errors that
name the file and the key."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from connectors.rest_warehouse import connector
from connectors.rest_warehouse.mapping import load_mapping
from connectors.rest_warehouse.tests.support import (
    BASE,
    MAPPINGS,
    connection,
    example_mapping_text,
    fulfilment_request,
    mappings_with,
)
from hub.sdk import FatalError, FulfilmentLine, MappingError, PartnerHttp, load_default


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(tmp_path))
    return tmp_path


def test_the_order_mappings_still_load_beside_the_warehouse_folder() -> None:
    """The warehouse mappings sit in mappings/warehouse/, which the order registry skips."""
    assert (MAPPINGS / "warehouse" / "example_warehouse.yaml").is_file()
    load_default.cache_clear()  # type: ignore[attr-defined]
    assert "shopify_order" in load_default()


def test_a_mapping_is_compiled_once_and_again_when_its_file_changes(folder: Path) -> None:
    path = mappings_with(
        folder, "acme", example_mapping_text().replace("example_warehouse", "acme")
    )
    first = load_mapping("acme")
    assert load_mapping("acme") is first
    path.write_text(path.read_text().replace('partner_ref: "=id"', 'partner_ref: "=order.id"'))
    assert load_mapping("acme").partner_ref.text == "order.id"


def test_the_request_template_features(folder: Path) -> None:
    mappings_with(
        folder,
        "features",
        """
request:
  ref: "=id"
  literal: "==not an expression"
  fixed: [1, true, null, text]
  company?: "=ship_to.company"
  company_kept: "=ship_to.company"
  total: "=amount_number(total)"
  lines: "=lines[].{sku: sku, price: amount(unit_price)}"
partner_ref: "=id"
""",
    )
    request = fulfilment_request(
        currency="JPY",
        total=1500,
        lines=[FulfilmentLine(sku="A", quantity=1, unit_price=1500)],
    )
    body = connector.request_body(connection(mapping="features"), request)
    assert body == {
        "ref": request.id,
        "literal": "=not an expression",
        "fixed": [1, True, None, "text"],
        "company_kept": None,
        "total": 1500,
        "lines": [{"sku": "A", "price": "1500"}],
    }


async def test_amount_number_is_sent_as_an_exact_json_number(folder: Path) -> None:
    mappings_with(
        folder, "numbers", 'request: {total: "=amount_number(total)"}\npartner_ref: "=id"\n'
    )
    async with respx.mock() as router, httpx.AsyncClient() as client:
        route = router.post(f"{BASE}/orders").respond(201, json={"id": 1})
        await connector.create_fulfilment(
            connection(mapping="numbers"), fulfilment_request(total=6330), PartnerHttp(client)
        )
        assert route.calls.last.request.content == b'{"total":63.30}'
    assert json.loads(b'{"total":63.30}') == {"total": 63.3}


def bad(replace: str, by: str) -> str:
    text = example_mapping_text()
    assert replace in text
    return text.replace(replace, by)


DUPLICATE = bad('  carrier: "=carrier"', '  carrier: "=carrier"\n  carrier: x')


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        (
            bad('items: "=lines[].{sku: sku', 'items: "=lines[.{sku: sku'),
            "request.items",
            "invalid JMESPath",
        ),
        (bad("amount(total)", "amount(total, currency)"), "request.order_value", "amount()"),
        (bad("amount(total)", "money(total)"), "request.order_value", "unknown function"),
        (
            bad("    delivered: delivered", "    delivered: arrived"),
            "confirmation.status_map.delivered",
            "not one of",
        ),
        (bad('partner_ref: "=id"', "partner_ref: id"), "partner_ref", '"=path"'),
        (bad('partner_ref: "=id"\n', ""), "partner_ref", "missing"),
        (bad('  fulfilment_ref: "=_root.ref"\n', ""), "confirmation.fulfilment_ref", "missing"),
        (
            bad("  fulfilment_ref:", "  fulfillment_ref:"),
            "confirmation.fulfillment_ref",
            "unknown key",
        ),
        (bad("lookup_ref:", "lookup:"), "lookup", "unknown key"),
        (bad("name: example_warehouse", "name: other"), "name", "file's name"),
        (DUPLICATE, f"line {DUPLICATE.splitlines().index('  carrier: x') + 1}", "duplicate key"),
        (bad('  shipments: "=parcels"', '  shipments: "="'), "confirmation.shipments", "empty"),
        ("- just\n- a list\n", "file", "expected keys"),
    ],
)
def test_a_bad_mapping_is_a_mapping_error_naming_the_key(
    folder: Path, text: str, key: str, reason: str
) -> None:
    path = mappings_with(folder, "example_warehouse", text)
    with pytest.raises(MappingError) as raised:
        load_mapping("example_warehouse")
    assert (raised.value.mapping, raised.value.field) == (str(path), key)
    assert reason in raised.value.reason


async def test_create_with_a_bad_mapping_is_fatal_naming_the_key_and_sends_nothing(
    folder: Path,
) -> None:
    mappings_with(folder, "example_warehouse", bad("=lines[].{sku: sku", "=lines[.{sku: sku"))
    async with respx.mock() as router, httpx.AsyncClient() as client:
        with pytest.raises(FatalError, match=r"example_warehouse\.yaml: request\.items: "):
            await connector.create_fulfilment(
                connection(), fulfilment_request(), PartnerHttp(client)
            )
        assert not router.calls


async def test_a_template_that_fails_on_a_request_is_fatal_naming_the_key(folder: Path) -> None:
    mappings_with(folder, "fails", 'request: {n: "=length(total)"}\npartner_ref: "=id"\n')
    with pytest.raises(FatalError, match=r"request\.n: length\(\) got number"):
        connector.request_body(connection(mapping="fails"), fulfilment_request())


async def test_a_missing_mapping_file_is_a_mapping_error_for_events(folder: Path) -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(MappingError, match="no such warehouse mapping"):
            await connector.events_from_message(
                connection(mapping="nowhere"), b"{}", None, PartnerHttp(client)
            )
