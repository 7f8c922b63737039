"""``hub normalize ebay FILE...``: the integrator's test bench on a saved getOrders response."""

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
    files = [str(FIXTURES / "getorders_page1.json"), str(FIXTURES / "getorders_page2.json")]
    result = CliRunner().invoke(main, ["normalize", "ebay", *files])
    assert result.exit_code == 0, result.output
    first, _cancelled = json.loads(result.stdout)
    assert (first["channel"], first["external_id"]) == ("ebay", "12-11523-48291")
    assert first["shipping_address"]["country"] == "AT"
    assert [(li["sku"], li["quantity"], li["unit_price"]) for li in first["lines"]] == [
        ("TRK-POLE-CARB", 2, 3490),
        ("HDL-LMP-400", 1, 2000),
    ]
    assert first["totals"] == {
        "subtotal": 8980,
        "discount": 0,
        "shipping": 599,
        "tax": 0,
        "tax_included": True,
        "total": 9579,
    }
    assert first["payment"] == {
        "status": "paid",
        "transactions": [
            {"kind": "capture", "amount": 9579, "currency": "EUR", "method": "EBAY",
             "reference": "5RK20834VK1234567", "at": "2025-03-14T09:21:46Z",
             "status": "succeeded"}
        ],
    }  # fmt: skip
    assert "12-11524-07730: the channel says cancelled" in result.stderr
