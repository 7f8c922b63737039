"""Reading one confirmation file: every way a row can be unreadable names its row and field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.csv_warehouse.confirmations import FileError, read_reports
from hub.sdk import ParcelLine, ShipmentReport

HEADER = "fulfilment_id,shipment_id,sku,quantity,tracking_number,tracking_url,shipped_at\n"
GOOD = "ful_A,S1,SKU-1,1,TRK1,,2026-11-23T10:00:00Z\n"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (",S1,SKU-1,1,TRK1,,\n", "row 3: fulfilment_id is missing"),
        ("ful_A,S1,,1,TRK1,,\n", "row 3: sku is missing"),
        ("ful_A,S1,SKU-1,0,TRK1,,\n", "row 3: quantity '0' is not a positive whole number"),
        ("ful_A,S1,SKU-1,-1,TRK1,,\n", "row 3: quantity '-1' is not a positive whole number"),
        ("ful_A,S1,SKU-1,1.5,TRK1,,\n", "row 3: quantity '1.5' is not a positive whole number"),
        ("ful_A,S1,SKU-1,,TRK1,,\n", "row 3: quantity '' is not a positive whole number"),
        ("ful_A,S1,SKU-1", "row 3: quantity '' is not a positive whole number"),
        (
            "ful_A,S1,SKU-2,1,TRK1,,23/11/2026\n",
            "row 3: shipped_at '23/11/2026' is not an ISO date or date-time",
        ),
        (
            "ful_A,S1,SKU-2,1,TRK2,,\n",
            "row 3: tracking_number differs from row 2 of the same parcel",
        ),
    ],
)
def test_a_bad_row_names_its_row_and_field(body: str, error: str) -> None:
    with pytest.raises(FileError) as raised:
        read_reports((HEADER + GOOD + body).encode())
    assert str(raised.value) == error


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "row 1 (header): no header row"),
        (b"\n\nful_A,SKU,1\n", "row 1 (header): no header row"),
        (b"fulfilment_id,sku,qty\nful_A,SKU-1,1\n", "row 1 (header): no column quantity"),
        (b"fulfilment_id,sku,quantity\nful_A,Caf\xe9,1\n", "not utf-8 text (byte 36)"),
        (
            b'fulfilment_id,sku,quantity\nful_A,"SKU,1\n',
            "line 2: not CSV (unexpected end of data)",
        ),
    ],
)
def test_an_unreadable_file_says_why(data: bytes, error: str) -> None:
    with pytest.raises(FileError) as raised:
        read_reports(data)
    assert str(raised.value) == error


def test_a_header_only_file_reports_nothing() -> None:
    assert read_reports(HEADER.encode()) == []


def test_a_parcel_without_shipment_id_or_tracking_is_one_per_fulfilment() -> None:
    data = b"fulfilment_id,sku,quantity\r\nful_A,SKU-1,1\r\nful_A,SKU-2,2\r\nful_B,SKU-1,1\r\n"
    assert read_reports(data) == [
        ShipmentReport(
            fulfilment_ref="ful_A", lines=[ParcelLine("SKU-1", 1), ParcelLine("SKU-2", 2)]
        ),
        ShipmentReport(fulfilment_ref="ful_B", lines=[ParcelLine("SKU-1", 1)]),
    ]


def test_times_become_utc() -> None:
    data = (HEADER + GOOD.replace("2026-11-23T10:00:00Z", "2026-11-23T05:00:00-05:00")).encode()
    [report] = read_reports(data)
    assert report.shipped_at == datetime(2026, 11, 23, 10, tzinfo=UTC)
