"""Bins from the catalog import and from counts, and ``hub pick-list`` writing the PDF."""

from __future__ import annotations

import asyncio
from pathlib import Path

from litestar.testing import AsyncTestClient

from hub.config import Settings
from hub.store.database import Database
from tests.e2e.test_cli_import import run
from tests.e2e.test_warehouse_papers import text_of, warehouse


async def test_bins_from_the_catalog_import_order_the_pick_list_of_the_cli(
    client: AsyncTestClient,
    auth: dict[str, str],
    db: Database,
    settings: Settings,
    tmp_path: Path,
) -> None:
    world = await warehouse(client, auth, db, settings)  # bins by count: TEE A-2, MUG A-10
    f1, f2, f3 = world["fulfilments"]
    skus = tmp_path / "skus.csv"
    skus.write_text(
        "sku,name,bin:own,bin:far\nCAP,Cap,A-1,\nMUG,Mug,,\nHAT,Hat,,Z-9\nTEE,Tee,,\n"
        "PEN,Pen,B-1,\nPAD,Pad,,\n"
    )
    code, out, _ = await asyncio.to_thread(run, settings, "catalog", "import", str(skus))
    assert (code, out.strip().splitlines()[-1]) == (0, "6 stored, 0 failed"), out
    cap = (await client.get("/stock/CAP", headers=auth)).json()["locations"]
    assert [(x["location"], x["bin"]) for x in cap] == [("own", "A-1")]
    mug = (await client.get("/stock/MUG", headers=auth)).json()["locations"]
    assert [(x["location"], x["bin"]) for x in mug] == [("own", "A-10")]  # empty: left alone
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name,bin:nowhere\nCAP,Cap,A-1\n")
    code, _, err = await asyncio.to_thread(run, settings, "catalog", "import", str(bad))
    assert code == 1 and "failed line 2: bin:nowhere: unknown location" in err

    target = tmp_path / "round.pdf"
    code, out, err = await asyncio.to_thread(
        run, settings, "pick-list", "own", "--fulfilment", f1, "--fulfilment", f2,
        "--out", str(target),
    )  # fmt: skip
    assert code == 0, err
    text = text_of(target.read_bytes())
    assert text.index("CAP") < text.index("TEE") < text.index("MUG")
    code, out, err = await asyncio.to_thread(
        run, settings, "pick-list", "own", "--released-before", "2000-01-01", "--out", "-"
    )
    assert code == 0 and out.startswith("%PDF-")
    code, _, err = await asyncio.to_thread(run, settings, "pick-list", "own", "--fulfilment", f3)
    assert code == 1 and "fulfilment[0]" in err and "'far'" in err


async def test_a_bin_comes_with_a_count_only_and_an_empty_one_clears_it(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    r = await client.post("/locations", json={"code": "own", "name": "Own"}, headers=auth)
    assert r.status_code == 201
    move = {"kind": "receipt", "sku": "TEE", "location": "own", "quantity": 3, "reason": "in"}
    r = await client.post(
        "/stock/movements", json={"movements": [move | {"bin": "A-1"}]}, headers=auth
    )
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "movements[0].bin")
    counted = move | {"kind": "count", "bin": " A-1 "}
    r = await client.post("/stock/movements", json={"movements": [counted]}, headers=auth)
    assert r.status_code == 201, r.text
    view = (await client.get("/stock/TEE", headers=auth)).json()
    assert (view["on_hand"], view["locations"][0]["bin"]) == (3, "A-1")
    r = await client.post(
        "/stock/movements", json={"movements": [counted | {"bin": ""}]}, headers=auth
    )
    assert r.status_code == 201, r.text
    assert (await client.get("/stock/TEE", headers=auth)).json()["locations"][0]["bin"] is None
