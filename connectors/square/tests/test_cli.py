"""``hub normalize square order.json catalog.json``: the integrator's test bench."""

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


def test_hub_normalize_joins_the_order_with_the_catalog() -> None:
    files = [str(FIXTURES / "order.json"), str(FIXTURES / "catalog.json")]
    result = CliRunner().invoke(main, ["normalize", "square", *files])
    assert result.exit_code == 0, result.output
    [order] = json.loads(result.stdout)
    assert (order["channel"], order["external_id"]) == ("square", "pM8aL2xQ7vTkR4nYcW1bHs9EfZdJ")
    assert order["shipping_address"] is None
    assert [
        (li["sku"], li["quantity"], li["unit_price"], li["discount"]) for li in order["lines"]
    ] == [("TOTE-CNV-NAT", 2, 1800, 414), ("PIN-ENM-FOX", 1, 750, 86)]
    assert order["totals"] == {
        "subtotal": 4350,
        "discount": 500,
        "shipping": 0,
        "tax": 342,
        "tax_included": False,
        "total": 4192,
    }
    assert "pM8aL2xQ7vTkR4nYcW1bHs9EfZdJ: the channel says fulfilled" in result.stderr


def test_hub_normalize_names_the_line_without_a_sku() -> None:
    files = [str(FIXTURES / "order.json"), str(FIXTURES / "catalog_missing_sku.json")]
    result = CliRunner().invoke(main, ["normalize", "square", *files])
    assert result.exit_code == 1
    assert "lines[1].sku" in result.stderr
