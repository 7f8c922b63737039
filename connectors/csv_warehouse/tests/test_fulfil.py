"""create_fulfilment and cancel_fulfilment: the pick file, written atomically and once."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from connectors.csv_warehouse import connector
from connectors.csv_warehouse.tests.support import (
    connection,
    files,
    fulfilment_request,
    no_http,
)
from hub.sdk import FatalError, FulfilmentAccepted, FulfilmentLine, RetriableError

ID = "ful_01JQ7X4M2N8P5R6S7T8V9W0XYZ"
NAME = f"{ID}.csv"
HEADER = (
    b"fulfilment_id,order_number,channel_order_id,line_no,sku,name,quantity,ship_to_name,"
    b"company,address1,address2,city,region,postal_code,country,phone,email,service_level,"
    b"carrier,service\r\n"
)
ADDRESS = (
    b'Dana Whitfield,"Whitfield, Oak & Co",811 Oak St,,Leeds,,LS1 4AP,GB,+44 113 496 0000,'
    b"dana@example.com,expedited,royal_mail,tracked_24\r\n"
)
PICK = (
    HEADER
    + f"{ID},1042,5839201847,1,CBL-USBC-2M,".encode()
    + b'"Braided USB-C Cable ""2 m""",2,'
    + ADDRESS
    + f"{ID},1042,5839201847,2,CHG-GAN-65W,,1,".encode()
    + ADDRESS
)


async def create(root: Path, **changes: object) -> FulfilmentAccepted:
    async with no_http() as http:
        return await connector.create_fulfilment(
            connection(root), fulfilment_request(**changes), http
        )


async def cancel(root: Path) -> None:
    async with no_http() as http:
        await connector.cancel_fulfilment(connection(root), fulfilment_request(), NAME, http)


async def test_create_writes_one_csv_row_per_line(tmp_path: Path) -> None:
    accepted = await create(tmp_path)
    assert accepted == FulfilmentAccepted(partner_ref=NAME)
    outbox = tmp_path / "to_warehouse"
    assert files(outbox) == [NAME]  # no temporary file left behind
    assert (outbox / NAME).read_bytes() == PICK


async def test_create_with_another_delimiter_and_encoding(tmp_path: Path) -> None:
    conn = connection(tmp_path, delimiter=";", encoding="cp1252")
    request = fulfilment_request(
        lines=[FulfilmentLine(sku="CAF-001", quantity=1, name="Café; crème")]
    )
    async with no_http() as http:
        await connector.create_fulfilment(conn, request, http)
    rows = (tmp_path / "to_warehouse" / NAME).read_bytes().split(b"\r\n")
    assert rows[1].startswith(
        f"{ID};1042;5839201847;1;CAF-001;".encode() + b'"Caf\xe9; cr\xe8me";1;'
    )
    assert rows[1].endswith(
        b";Whitfield, Oak & Co;811 Oak St;;Leeds;;LS1 4AP;GB;+44 113 496 0000;"
        b"dana@example.com;expedited;royal_mail;tracked_24"
    )


async def test_create_twice_leaves_the_file_alone(tmp_path: Path) -> None:
    await create(tmp_path)
    before = os.stat(tmp_path / "to_warehouse" / NAME)
    assert await create(tmp_path) == FulfilmentAccepted(partner_ref=NAME)
    after = os.stat(tmp_path / "to_warehouse" / NAME)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


async def test_create_again_after_the_warehouse_took_the_file_hands_out_nothing(
    tmp_path: Path,
) -> None:
    await create(tmp_path)
    (tmp_path / "to_warehouse" / NAME).unlink()  # the warehouse's sync took it
    assert await create(tmp_path) == FulfilmentAccepted(partner_ref=NAME)
    assert files(tmp_path / "to_warehouse") == []


async def test_changed_request_replaces_an_untaken_file_but_not_a_taken_one(
    tmp_path: Path,
) -> None:
    await create(tmp_path)
    await create(tmp_path, service="tracked_48")
    assert b",tracked_48\r\n" in (tmp_path / "to_warehouse" / NAME).read_bytes()
    (tmp_path / "to_warehouse" / NAME).unlink()
    with pytest.raises(FatalError, match="already took the pick file"):
        await create(tmp_path, service="special_delivery")
    assert files(tmp_path / "to_warehouse") == []


async def test_an_id_that_is_no_file_name_is_fatal(tmp_path: Path) -> None:
    with pytest.raises(FatalError, match="cannot be a file name"):
        await create(tmp_path, id="../../etc/passwd")


async def test_disk_full_is_retriable_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    (tmp_path / "to_warehouse").mkdir()
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(RetriableError) as raised:
        await create(tmp_path)
    assert str(raised.value) == (
        f"csv_warehouse: cannot write {tmp_path / 'to_warehouse' / NAME}: No space left on device"
    )
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert files(tmp_path / "to_warehouse") == []


async def test_an_outbox_that_cannot_be_created_is_retriable(tmp_path: Path) -> None:
    (tmp_path / "to_warehouse").write_text("a file where the folder should be")
    with pytest.raises(RetriableError, match="cannot create folder"):
        await create(tmp_path)


async def test_cancel_before_the_warehouse_took_it_deletes_the_pick(tmp_path: Path) -> None:
    await create(tmp_path)
    await cancel(tmp_path)
    assert files(tmp_path / "to_warehouse") == []
    await cancel(tmp_path)  # already cancelled: no error, nothing to tell the warehouse
    assert files(tmp_path / "to_warehouse") == []


async def test_cancel_after_the_warehouse_took_it_writes_a_cancel_request(
    tmp_path: Path,
) -> None:
    await create(tmp_path)
    (tmp_path / "to_warehouse" / NAME).unlink()
    await cancel(tmp_path)
    outbox = tmp_path / "to_warehouse"
    assert files(outbox) == [f"{ID}.cancel.csv"]
    expected = (
        b"fulfilment_id,order_number,channel_order_id\r\n" + f"{ID},1042,5839201847\r\n".encode()
    )
    assert (outbox / f"{ID}.cancel.csv").read_bytes() == expected
    before = os.stat(outbox / f"{ID}.cancel.csv")
    await cancel(tmp_path)  # twice: no error, the same file untouched
    assert os.stat(outbox / f"{ID}.cancel.csv").st_ino == before.st_ino
    assert files(outbox) == [f"{ID}.cancel.csv"]


async def test_no_ship_to_leaves_the_address_empty(tmp_path: Path) -> None:
    await create(tmp_path, ship_to=None)
    rows = (tmp_path / "to_warehouse" / NAME).read_bytes().split(b"\r\n")
    assert rows[2] == (
        f"{ID},1042,5839201847,2,CHG-GAN-65W,,1,Dana Whitfield,,,,,,,,,".encode()
        + b"dana@example.com,expedited,royal_mail,tracked_24"
    )
