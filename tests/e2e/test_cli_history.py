"""``hub history import``: past sales in, bundles as components, bad lines reported by line,
and the same file twice (or a corrected one) leaves exactly what the file says."""

from __future__ import annotations

import asyncio
import csv
from datetime import date
from pathlib import Path

from litestar.testing import AsyncTestClient

from hub.config import Settings
from hub.store.database import Database
from tests.e2e.test_catalog_api import item, put
from tests.e2e.test_cli_import import run
from tests.e2e.test_stock_api import setup_locations
from tests.support.planning import cells, place

GOOD = """date,sku,channel,units,location
2024-01-01,TEE,shop,3,main
2024-01-01,TEE,shop,2,main
2024-01-01,TEE,amazon,1,
2024-01-02,KIT,shop,2,tpl
"""

BAD = """date,sku,channel,units,location,kind
2024-01-03,TEE,shop,1,,
01/04/2024,TEE,shop,1,,
2024-01-05,TEE,shop,-2,,
2024-01-05,TEE,shop,1.5,,
2024-01-06,TEE,shop,1,nowhere,
2024-01-07,,shop,1,,
2024-01-08,TEE,shop,1,,lost
2024-01-09,TEE,shop,1,,returned
2024-01-10,TEE,shop,1,,,extra
"""


async def test_import_twice_and_corrected(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings, tmp_path: Path
) -> None:
    await setup_locations(client, auth)
    assert (
        await put(
            client, auth, item("PAD"), item("PEN"), item("KIT", components={"PAD": 2, "PEN": 1})
        )
    ).is_success
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    code, out, err = await asyncio.to_thread(run, settings, "history", "import", str(good))
    assert (code, err) == (0, "")
    assert out.strip().endswith("4 rows stored (4 SKU-channel days), 0 failed")
    first = {
        ("TEE", "shop", date(2024, 1, 1), "main", "sold"): 5,  # two lines of one day: added
        ("TEE", "amazon", date(2024, 1, 1), "", "sold"): 1,
        ("PAD", "shop", date(2024, 1, 2), "tpl", "sold"): 4,  # the bundle as its components
        ("PEN", "shop", date(2024, 1, 2), "tpl", "sold"): 2,
    }
    assert await cells(db, "import") == first
    code, _, _ = await asyncio.to_thread(run, settings, "history", "import", str(good))
    assert code == 0 and await cells(db, "import") == first  # the same file: the same history

    # a corrected file replaces the (day, sku, channel) it names, and only those
    fixed = tmp_path / "fixed.csv"
    fixed.write_text("date,sku,channel,units\n2024-01-01,TEE,shop,4\n")
    code, _, _ = await asyncio.to_thread(run, settings, "history", "import", str(fixed))
    assert code == 0
    del first[("TEE", "shop", date(2024, 1, 1), "main", "sold")]
    assert await cells(db, "import") == first | {("TEE", "shop", date(2024, 1, 1), "", "sold"): 4}


async def test_bad_lines_are_reported_and_good_ones_kept(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings, tmp_path: Path
) -> None:
    await setup_locations(client, auth)
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    report = tmp_path / "failed.csv"
    code, out, err = await asyncio.to_thread(
        run, settings, "history", "import", str(bad), "--report", str(report)
    )
    assert code == 1
    assert out.strip().endswith("2 rows stored (2 SKU-channel days), 7 failed")
    assert err.strip().splitlines() == [
        "failed line 3: date: '01/04/2024' is not a date (YYYY-MM-DD)",
        "failed line 4: units: '-2' is not a whole number of 0 or more",
        "failed line 5: units: '1.5' is not a whole number of 0 or more",
        "failed line 6: location: no location 'nowhere'",
        "failed line 7: sku: is empty",
        "failed line 8: kind: 'lost' is not one of sold, returned",
        "failed line 10: row: more cells than the header has columns",
    ]
    with report.open() as handle:
        assert [r["line"] for r in csv.DictReader(handle)] == ["3", "4", "5", "6", "7", "8", "10"]
    assert await cells(db, "import") == {
        ("TEE", "shop", date(2024, 1, 3), "", "sold"): 1,
        ("TEE", "shop", date(2024, 1, 9), "", "returned"): 1,
    }


async def test_a_file_without_the_columns_is_refused(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("day,sku,channel,units\n2024-01-01,TEE,shop,1\n")
    code, _, err = await asyncio.to_thread(run, settings, "history", "import", str(bad))
    assert code == 1 and "lacks required columns: date" in err
    bad.write_text("date,sku,channel,units,colour\n")
    code, _, err = await asyncio.to_thread(run, settings, "history", "import", str(bad))
    assert code == 1 and "unknown columns: colour" in err


async def test_history_update_counts_the_orders(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await place(client, auth, "U1", {"TEE": 2})
    code, out, _ = await asyncio.to_thread(run, settings, "history", "update")
    assert (code, out.strip()) == (0, "1 orders counted")
    code, out, _ = await asyncio.to_thread(run, settings, "history", "update", "--rebuild")
    assert (code, out.strip()) == (0, "1 orders counted")
    assert await cells(db) == {("TEE", "callcentre", date(2025, 3, 14), "", "sold"): 2}
