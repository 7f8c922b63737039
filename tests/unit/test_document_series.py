"""The ``documents:`` key of the HUB_CONFIG file: checked at start, every error naming its
key; numbers per series; which series serves a channel or a till."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.connections import ConnectionsError, load
from tests.support.documents import INVOICES, RECEIPTS, SELLER


def write(tmp_path: Path, documents: Any, connections: list[dict[str, Any]] | None = None) -> Path:
    path = tmp_path / "hub.yaml"
    path.write_text(json.dumps({"connections": connections or [], "documents": documents}))
    return path


def test_series_load_and_number(tmp_path: Path) -> None:
    shop = {"code": "shop", "connector": "callcentre", "settings": {"invoice_on": "paid"}}
    b2b = INVOICES | {"code": "b2b", "prefix": "B-", "credit_note_prefix": "B-CN-", "digits": 3,
                      "connections": ["shop"]}  # fmt: skip
    loaded = load(write(tmp_path, {"series": [INVOICES, b2b, RECEIPTS]}, [shop]), {})
    docs = loaded.documents
    assert loaded.hub_settings("shop").invoice_on == "paid"
    assert loaded.hub_settings("callcentre").invoice_on == "shipped"
    assert docs.for_channel("shop").code == "b2b"  # type: ignore[union-attr]
    assert docs.for_channel("callcentre").code == "inv"  # type: ignore[union-attr]
    assert docs.for_location("store-1").code == "till"  # type: ignore[union-attr]
    assert docs.for_location("elsewhere") is None
    b = docs.get("b2b")
    assert b is not None
    assert (b.number(7, "invoice"), b.number(7, "credit_note")) == ("B-007", "B-CN-007")
    assert (b.counter("invoice"), b.counter("credit_note")) == ("b2b", "b2b:credit")
    assert docs.get("inv").number(1, "credit_note") == "CN-2026-00001"  # type: ignore[union-attr]


NO_VAT = {k: v for k, v in SELLER.items() if k != "vat_id"}


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ([INVOICES | {"seller": NO_VAT}],
         "documents.series[0].seller.vat_id: "
         "an e-invoice series (einvoice: true) needs the VAT id"),
        ([INVOICES, INVOICES | {"code": "other", "prefix": "O-"}],
         "documents.series[1].credit_note_prefix: 'CN-2026-' is used by series 'inv'"),
        ([INVOICES | {"default_tax_rate": "nineteen"}],
         "documents.series[0].default_tax_rate: 'nineteen' is not a decimal tax rate"),
        ([{k: v for k, v in INVOICES.items() if k != "prefix"}],
         "documents.series[0]: Object missing required field `prefix`"),
        ([INVOICES, INVOICES], "documents.series[1].code: 'inv' is defined twice"),
        ([INVOICES | {"connections": ["nope"]}],
         "documents.series[0].connections[0]: no connection 'nope'"),
        ([RECEIPTS | {"locations": []}],
         "documents.series[0].locations: a receipt series names its locations"),
        ([INVOICES | {"colour": "red"}],
         "documents.series[0]: Object contains unknown field `colour`"),
        ([INVOICES | {"seller": SELLER | {"logo": "/no/such/logo.png"}}],
         "documents.series[0].seller.logo: no file '/no/such/logo.png'"),
    ],
)  # fmt: skip
def test_bad_series_stop_the_start_naming_the_key(
    tmp_path: Path, series: list[dict[str, Any]], message: str
) -> None:
    path = write(tmp_path, {"series": series})
    with pytest.raises(ConnectionsError) as caught:
        load(path, {})
    assert str(caught.value) == f"{path}: {message}"


def test_an_invoice_series_without_vat_id_may_skip_the_einvoice(tmp_path: Path) -> None:
    plain = INVOICES | {"seller": NO_VAT, "einvoice": False}
    assert load(write(tmp_path, {"series": [plain]}), {}).documents.get("inv") is not None


def test_invoice_on_is_checked(tmp_path: Path) -> None:
    shop = {"code": "shop", "connector": "callcentre", "settings": {"invoice_on": "sometimes"}}
    path = write(tmp_path, {"series": []}, [shop])
    with pytest.raises(ConnectionsError, match=r"connections\[0\]\.settings\.invoice_on"):
        load(path, {})
