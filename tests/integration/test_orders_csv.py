"""``import_orders``: a CSV's orders through the real order writer, a batch at a time, on
SQLite and PostgreSQL; refusals are reported in file order and the others still go in."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from hub.services.intake.writer import OrderWriter
from hub.services.orders_csv import import_orders, read_orders, write_report
from hub.store.database import Database
from hub.store.tables import orders

HEAD = "external_id,currency,sku,quantity,unit_price,ship_line1,ship_city,ship_country\n"


def rows(*orders_: tuple[str, int]) -> str:
    return HEAD + "".join(f"{e},EUR,TEE,{q},10.00,Weg 1,Wien,AT\n" for e, q in orders_)


async def stored(db: Database) -> list[str]:
    async with db.read() as conn:
        return list((await conn.execute(select(orders.c.external_id))).scalars())


async def test_batches_store_every_good_order_and_name_each_refusal(
    db: Database, tmp_path: Path
) -> None:
    first = [(f"A-{i}", 1) for i in range(7)]
    async with OrderWriter(db, max_attempts=3) as writer:
        steps: list[int] = []
        report = await import_orders(
            writer, list(read_orders(rows(*first), channel="callcentre")),
            actor="import:test.csv", batch_size=3, progress=steps.append,
        )  # fmt: skip
        assert (report.created, report.existing, report.failures) == (7, 0, [])
        assert steps == [0, 3, 3, 1]

        # Again, with changed and one bad row: the changed ones are refused.
        again = [("A-0", 1), ("A-1", 1), ("A-2", 9), ("A-3", 1), ("A-5", 9), ("B-1", 0)]
        steps.clear()
        report = await import_orders(
            writer, list(read_orders(rows(*again), channel="callcentre")),
            actor="import:test.csv", batch_size=2, progress=steps.append,
        )  # fmt: skip
    assert (report.created, report.existing, report.failed_orders) == (0, 3, 3)
    assert [external_id for external_id, _ in report.failures] == ["B-1", "A-2", "A-5"]
    assert report.failures[1][1].startswith("line 4: channel 'callcentre' already has")
    assert steps == [1, 2, 2, 1]
    assert sorted(await stored(db)) == [f"A-{i}" for i in range(7)]  # each once

    path = tmp_path / "failures.csv"
    write_report(path, report.failures)
    lines = path.read_text().splitlines()
    assert lines[0] == "external_id,reason" and [ln.split(",")[0] for ln in lines[1:]] == [
        "B-1",
        "A-2",
        "A-5",
    ]


def test_a_control_character_in_a_cell_is_reported_in_words() -> None:
    (found,) = read_orders(HEAD + "C-1,EUR,TEE,1,10.00,Weg\x071,Wien,AT\n", channel="callcentre")
    assert found.order is None
    assert len(found.errors) == 1
    assert found.errors[0].startswith(
        "line 2: shipping_address.line1: must be one line of text without control characters"
    ), found.errors
