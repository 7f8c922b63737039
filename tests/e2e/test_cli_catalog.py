"""``hub catalog import``: a CSV of SKUs in, good rows stored in batches, bad rows reported
by line number, and the exit code says whether any failed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hub.config import Settings
from hub.services import catalog as catalog_service
from hub.store.database import Database
from tests.conftest import PAYLOADS
from tests.e2e.test_cli_import import run

CSV = PAYLOADS / "import_skus.csv"


@pytest.mark.parametrize("batch_size", ["500", "1"])
async def test_good_rows_go_in_and_bad_ones_are_reported_by_line(
    settings: Settings, db: Database, batch_size: str
) -> None:
    code, out, err = await asyncio.to_thread(
        run, settings, "catalog", "import", str(CSV), "--batch-size", batch_size
    )
    assert code == 1
    assert "2 stored, 4 failed" in out
    database, *lines = err.strip().splitlines()
    assert database.startswith("database: ")
    assert lines[0] == "failed line 4: attributes: not valid JSON"
    assert lines[1] == "failed line 5: sku: Expected str of length >= 1"
    assert lines[2] == (
        "failed line 6: listings.shopify-eu: listing 'gid-2' on 'shopify-eu' belongs to SKU 'MUG'"
    )
    assert lines[3] == "failed line 7: attributes: not a JSON object"
    tee = await catalog_service.get_sku(db, "OLD-TEE")
    assert (tee.sku, tee.name, tee.attributes) == ("TEE-M", "Tee, medium", {"size": "M"})
    assert tee.listings == {"ebay": "offer-1", "shopify-eu": "gid-1"}
    assert (await catalog_service.get_sku(db, "MUG")).listings == {"shopify-eu": "gid-2"}


async def test_a_clean_file_exits_zero_and_a_bad_header_is_refused(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(
        "sku,name,listing:square,components\nA,Thing A,SQ-1,\nB,Thing B,,\nKIT,Kit,,A*2|B\n"
    )
    code, out, _ = await asyncio.to_thread(run, settings, "catalog", "import", str(good))
    assert (code, out.strip().splitlines()[-1]) == (0, "3 stored, 0 failed")
    assert (await catalog_service.get_sku(db, "KIT")).components == {"A": 2, "B": 1}
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,title\nA,Thing\n")
    code, _, err = await asyncio.to_thread(run, settings, "catalog", "import", str(bad))
    assert code == 1 and "lacks required columns: name" in err
