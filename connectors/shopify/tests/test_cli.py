"""``hub normalize shopify FILE...``: the integrator's test bench on the Shopify fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

pytestmark = pytest.mark.skipif(
    "normalize" not in main.commands, reason="this hub has no `hub normalize` command"
)


def test_hub_normalize_prints_the_canonical_orders() -> None:
    files = [str(FIXTURES / "orders_create.json"), str(FIXTURES / "orders_cancelled.json")]
    result = CliRunner().invoke(main, ["normalize", "shopify", *files])
    assert result.exit_code == 0, result.output
    created, cancelled = json.loads(result.stdout)
    assert created["channel"] == "shopify"
    assert (created["external_id"], created["external_number"]) == ("5812345678901", "#1042")
    assert created["placed_at"] == "2025-03-14T09:22:30Z"
    assert created["customer"]["name"] == "Renée Müller-Øberg"
    assert created["shipping_address"]["country"] == "DE"
    assert [
        (li["sku"], li["quantity"], li["unit_price"], li["discount"]) for li in created["lines"]
    ] == [
        ("TEE-ORG-BLK-M", 2, 2900, 580),
        ("MUG-CER-350", 1, 1450, 145),
    ]
    assert created["totals"] == {
        "subtotal": 7250,
        "discount": 725,
        "shipping": 490,
        "tax": 1119,
        "tax_included": True,
        "total": 7015,
    }
    # the order payload lists no transactions of its own; the status says paid, refunded
    assert created["payment"] == {"status": "paid", "transactions": []}
    assert cancelled["payment"] == {"status": "refunded", "transactions": []}
    assert "5812345678901: the channel says cancelled" in result.stderr


def test_hub_normalize_reports_a_document_it_cannot_map(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("<html>")
    result = CliRunner().invoke(main, ["normalize", "shopify", str(broken)])
    assert result.exit_code == 1
    assert "shopify_order" in result.stderr
