"""poll_shipments: the inbox's files as parcels, archived one poll later, bad ones quarantined."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.csv_warehouse import CsvWarehouseConnector, connector
from connectors.csv_warehouse.tests.support import (
    CONFIRMATIONS,
    UNTIL,
    connection,
    files,
    no_http,
)
from hub.sdk import ParcelLine, ShipmentPollResult, ShipmentReport

SHIPMENTS = "shipments_20261123.csv"
BAD = "bad_quantity.csv"
SEMICOLONS = "bom_reordered_semicolon.csv"

#: what shipments_20261123.csv reports
PARCELS = [
    ShipmentReport(
        fulfilment_ref="ful_A",
        partner_shipment_id="SHP-1",
        carrier="royal_mail",
        service="tracked_24",
        tracking_number="RM123456785GB",
        tracking_url="https://track.example/RM123456785GB",
        lines=[ParcelLine("CBL-USBC-2M", 2), ParcelLine("CHG-GAN-65W", 1)],
        shipped_at=datetime(2026, 11, 23, 9, 5, tzinfo=UTC),
    ),
    ShipmentReport(
        fulfilment_ref="ful_A",
        partner_shipment_id="SHP-2",
        carrier="dpd",
        service="next_day",
        tracking_number="15501234567890",
        lines=[ParcelLine("CHG-GAN-65W", 1)],
        shipped_at=datetime(2026, 11, 23, tzinfo=UTC),
    ),
    ShipmentReport(
        fulfilment_ref="ful_B",
        partner_shipment_id="H01ABC0000000001",
        carrier="evri",
        tracking_number="H01ABC0000000001",
        lines=[ParcelLine("MUG-BLU", 4)],
        shipped_at=datetime(2026, 11, 23, 16, 30, tzinfo=UTC),
    ),
    ShipmentReport(
        fulfilment_ref="ful_B",
        partner_shipment_id="H01ABC0000000002",
        carrier="evri",
        tracking_number="H01ABC0000000002",
        lines=[ParcelLine("MUG-RED", 2)],
    ),
]
TEES = [
    ShipmentReport(
        fulfilment_ref="ful_C",
        partner_shipment_id="1Z999AA10123456784",
        carrier="ups",
        tracking_number="1Z999AA10123456784",
        lines=[ParcelLine("TEE-M-BLK", 4), ParcelLine("TEE-L-BLK", 1)],
    )
]


def drop(root: Path, fixture: str, as_name: str | None = None) -> Path:
    """The warehouse drops a confirmation file in the inbox."""
    inbox = root / "from_warehouse"
    inbox.mkdir(exist_ok=True)
    target = inbox / (as_name or fixture)
    shutil.copyfile(CONFIRMATIONS / fixture, target)
    return target


async def poll(
    root: Path, cursor: str | None, *, using: Any = connector, **settings: Any
) -> ShipmentPollResult:
    async with no_http() as http:
        return await using.poll_shipments(connection(root, **settings), cursor, http, until=UNTIL)


async def test_rows_are_grouped_into_parcels(tmp_path: Path) -> None:
    drop(tmp_path, SHIPMENTS)
    result = await poll(tmp_path, None)
    assert result.shipments == PARCELS
    assert result.more is False
    # returned, not archived yet: the hub has not stored the reports
    assert files(tmp_path / "from_warehouse") == [SHIPMENTS]


async def test_a_file_is_archived_at_the_next_poll_from_the_cursor(tmp_path: Path) -> None:
    drop(tmp_path, SHIPMENTS)
    first = await poll(tmp_path, None)
    assert first.cursor is not None
    second = await poll(tmp_path, first.cursor)
    assert second == ShipmentPollResult(shipments=[], cursor=None)
    assert files(tmp_path / "from_warehouse") == []
    archived = tmp_path / "from_warehouse" / "processed" / SHIPMENTS
    assert archived.read_bytes() == (CONFIRMATIONS / SHIPMENTS).read_bytes()


async def test_without_the_cursor_the_file_is_read_again(tmp_path: Path) -> None:
    """The hub crashed before storing the first poll's reports: nothing is lost."""
    drop(tmp_path, SHIPMENTS)
    first = await poll(tmp_path, None)
    again = await poll(tmp_path, None)
    assert again.shipments == first.shipments == PARCELS
    assert files(tmp_path / "from_warehouse") == [SHIPMENTS]
    assert await poll(tmp_path, "not a cursor of ours") == again


async def test_a_file_rewritten_under_its_name_is_read_not_archived(tmp_path: Path) -> None:
    drop(tmp_path, SHIPMENTS, as_name="confirm.csv")
    first = await poll(tmp_path, None)
    drop(tmp_path, SEMICOLONS, as_name="confirm.csv")  # same name, new content
    second = await poll(tmp_path, first.cursor, delimiter=";")
    assert second.shipments == TEES
    assert files(tmp_path / "from_warehouse") == ["confirm.csv"]
    await poll(tmp_path, second.cursor, delimiter=";")
    drop(tmp_path, SHIPMENTS, as_name="confirm.csv")  # and once more
    third = await poll(tmp_path, None)
    await poll(tmp_path, third.cursor)
    processed = tmp_path / "from_warehouse" / "processed"
    assert files(processed) == ["confirm.csv", "confirm~2.csv"]  # nothing overwritten
    assert (processed / "confirm.csv").read_bytes() == (CONFIRMATIONS / SEMICOLONS).read_bytes()
    assert (processed / "confirm~2.csv").read_bytes() == (CONFIRMATIONS / SHIPMENTS).read_bytes()


async def test_a_bad_file_is_quarantined_and_the_good_ones_processed(tmp_path: Path) -> None:
    drop(tmp_path, BAD)
    drop(tmp_path, SHIPMENTS)
    first = await poll(tmp_path, None)
    assert first.shipments == PARCELS
    rejected = tmp_path / "from_warehouse" / "rejected"
    assert files(rejected) == [BAD, f"{BAD}.error.txt"]
    assert (rejected / BAD).read_bytes() == (CONFIRMATIONS / BAD).read_bytes()
    assert (rejected / f"{BAD}.error.txt").read_text() == (
        "bad_quantity.csv: row 3: quantity 'two' is not a positive whole number\n"
    )
    assert files(tmp_path / "from_warehouse") == [SHIPMENTS]
    await poll(tmp_path, first.cursor)
    assert files(tmp_path / "from_warehouse" / "processed") == [SHIPMENTS]
    assert files(rejected) == [BAD, f"{BAD}.error.txt"]


async def test_header_variants_bom_column_order_case_extra_columns(tmp_path: Path) -> None:
    drop(tmp_path, SEMICOLONS)
    assert (await poll(tmp_path, None, delimiter=";")).shipments == TEES
    comma = (CONFIRMATIONS / SEMICOLONS).read_bytes().replace(b";", b",")
    assert comma.startswith(b"\xef\xbb\xbfTracking_Number,SKU,")
    (tmp_path / "from_warehouse" / SEMICOLONS).write_bytes(comma)
    assert (await poll(tmp_path, None)).shipments == TEES


async def test_unsettled_hidden_and_other_files_wait(tmp_path: Path) -> None:
    uploading = drop(tmp_path, SHIPMENTS)
    drop(tmp_path, SHIPMENTS, as_name=".part.csv")
    drop(tmp_path, SHIPMENTS, as_name="notes.txt")
    (tmp_path / "from_warehouse" / "sub.csv").mkdir()
    mtime = uploading.stat().st_mtime
    soon = CsvWarehouseConnector(clock=lambda: mtime + 3)
    assert (await poll(tmp_path, None, using=soon, settle_seconds=10)).shipments == []
    later = CsvWarehouseConnector(clock=lambda: mtime + 10)
    result = await poll(tmp_path, None, using=later, settle_seconds=10)
    assert result.shipments == PARCELS
    await poll(tmp_path, result.cursor, using=later, settle_seconds=10)
    assert files(tmp_path / "from_warehouse") == [".part.csv", "notes.txt"]


async def test_a_poll_reads_at_most_poll_max_files(tmp_path: Path) -> None:
    drop(tmp_path, SHIPMENTS, as_name="a.csv")
    drop(tmp_path, SHIPMENTS, as_name="b.CSV")
    first = await poll(tmp_path, None, poll_max_files=1)
    assert (first.shipments, first.more) == (PARCELS, True)
    second = await poll(tmp_path, first.cursor, poll_max_files=1)
    assert (second.shipments, second.more) == (PARCELS, False)
    assert files(tmp_path / "from_warehouse") == ["b.CSV"]
    assert files(tmp_path / "from_warehouse" / "processed") == ["a.csv"]
