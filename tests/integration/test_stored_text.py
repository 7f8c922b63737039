"""Orders and addresses kept before control characters were refused still read (issue 9):
a newline in a name, a NUL in a note. The API refuses them now; rows already stored, on
either database, are shown with them replaced rather than failing every read of them."""

from __future__ import annotations

import json

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import insert

from hub.services.intake.writer import IngestRequest, OrderWriter
from hub.store.database import Database
from hub.store.tables import locations
from tests.integration.test_ingest import order_data


async def test_an_order_stored_with_control_characters_still_reads(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    data = order_data(external_id="OLD-1")  # then changed as no check would allow now
    data = msgspec.structs.replace(
        data,
        note="ring\ntwice\x00",
        customer=msgspec.structs.replace(data.customer, name="Ana\nLima\x07"),
    )
    async with OrderWriter(db, max_attempts=3) as writer:  # no checks: as an old hub kept it
        order_id = (await writer.submit(IngestRequest(data=data, actor="old-hub"))).order_id

    r = await client.get(f"/orders/{order_id}", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["customer"]["name"] == "Ana Lima\ufffd"
    assert r.json()["note"] == "ring twice\ufffd"
    listed = await client.get("/orders", headers=auth)
    assert listed.status_code == 200, listed.text
    assert [o["id"] for o in listed.json()["items"]] == [order_id]


async def test_a_stored_note_keeps_its_line_breaks_when_nothing_else_is_wrong(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    data = msgspec.structs.replace(order_data(external_id="OLD-2"), note="ring\ntwice\x00")
    async with OrderWriter(db, max_attempts=3) as writer:
        order_id = (await writer.submit(IngestRequest(data=data, actor="old-hub"))).order_id
    r = await client.get(f"/orders/{order_id}", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["note"] == "ring\ntwice\ufffd"


async def test_a_location_address_stored_with_a_line_break_still_reads(
    client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    address = {
        "line1": "Torstr. 12",
        "line2": "Hinterhaus\n3. OG",
        "city": "Berlin",
        "country": "DE",
    }
    await db.run_write(
        lambda conn: conn.execute(
            insert(locations).values(
                code="main", name="Main", kind="own", priority=1, address=json.dumps(address)
            )
        )
    )
    r = await client.get("/locations", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["address"]["line2"] == "Hinterhaus 3. OG"
