"""``hub import``: a CSV of order lines in, each good order stored once, each bad one reported."""

from __future__ import annotations

import asyncio
import csv
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hub.cli import main
from hub.config import Settings
from hub.services.orders_csv import COLUMNS, EXAMPLE
from hub.store.database import Database
from hub.store.tables import orders
from tests.conftest import PAYLOADS

CSV = PAYLOADS / "import_orders.csv"
ROOT = Path(__file__).resolve().parents[2]


def run(settings: Settings, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(main, list(args), env={"HUB_DATABASE_URL": settings.database_url})
    return result.exit_code, result.stdout, result.stderr


async def stored(db: Database) -> dict[str, tuple[int, str]]:
    async with db.read() as conn:
        rows = await conn.execute(select(orders.c.external_id, orders.c.total, orders.c.currency))
        return {r.external_id: (r.total, r.currency) for r in rows}


async def test_good_orders_go_in_and_bad_ones_are_reported_by_line(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    report = tmp_path / "failures.csv"
    code, out, err = await asyncio.to_thread(
        run, settings, "import", str(CSV), "--report", str(report)
    )
    assert code == 1  # some failed
    assert "2 created, 0 already there, 3 failed" in out
    assert "failed CC-102: line 5: quantity: 'two' is not a whole number" in err
    assert "failed CC-103: line 6: unit_price:" in err and "more decimals than EUR" in err
    assert "failed CC-104: line 7: shipping_address.country:" in err
    # EUR: 2 x 29.00 + 14.50 = 72.50, less 7.25 discount, plus 4.90 shipping, tax included.
    # JPY has no minor unit: 3200 + 500 shipping + 320 tax on top = 4020.
    assert await stored(db) == {"CC-100": (7015, "EUR"), "CC-101": (4020, "JPY")}
    with report.open() as handle:
        failed = {row["external_id"] for row in csv.DictReader(handle)}
    assert failed == {"CC-102", "CC-103", "CC-104"}

    # Importing the same file again creates nothing new.
    code, out, _ = await asyncio.to_thread(run, settings, "import", str(CSV))
    assert "0 created, 2 already there, 3 failed" in out
    assert len(await stored(db)) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "expected a header row"), ("external_id,sku\nA,B\n", "currency, quantity, unit_price")],
)
async def test_an_unreadable_file_is_one_line(
    settings: Settings, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(content)
    code, _, err = await asyncio.to_thread(run, settings, "import", str(path))
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1


def test_help_lists_every_column_and_an_example_in_80_columns() -> None:
    result = CliRunner().invoke(main, ["import", "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert max(len(line) for line in text.splitlines()) <= 80
    listed = " ".join(text.split("Columns")[1].split("Example")[0].split()).replace(",", "")
    for label, columns in COLUMNS:
        assert f"{label} {' '.join(columns)}" in listed
    example = [line.strip() for line in text.split("two lines):")[1].strip().splitlines()[:3]]
    assert example == EXAMPLE.splitlines()
    assert "orders_csv.py" not in text  # the help says it all


def test_every_column_the_reader_knows_is_listed() -> None:
    source = (ROOT / "src" / "hub" / "services" / "orders_csv.py").read_text()
    read = set(re.findall(r'(?:text|get|money\([^)]*)\(?"([a-z_0-9]+)"\)', source))
    assert read == {c for _, columns in COLUMNS for c in columns}


async def test_the_example_of_the_help_imports_as_one_order(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "example.csv"
    path.write_text(EXAMPLE)
    code, out, _ = await asyncio.to_thread(run, settings, "import", str(path))
    assert code == 0 and out.strip() == "1 created, 0 already there, 0 failed"
    assert await stored(db) == {"CC-1": (7250, "EUR")}
