"""``/replenishment``: the stored demand per location, the stock, what is on order and the
inputs (supplier defaults, SKU settings, the hub's default) wired into the arithmetic of
``hub.domain.replenishment``; checked against the hand-computed cases of its unit tests."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from hub.clock import utcnow
from hub.config import Settings
from hub.store import forecasts as forecast_store
from hub.store.database import Database
from tests.e2e.test_cli_import import run
from tests.e2e.test_orders_api import assert_problem
from tests.e2e.test_purchase_orders import po
from tests.e2e.test_stock_api import setup_locations
from tests.support.planning import place, receive, work


async def demand(db: Database, *rows: tuple[str, str, float, float]) -> None:
    """What a forecast run leaves: demand and error per day per (SKU, location)."""

    def write(conn: Any) -> None:
        run_id = forecast_store.start_run(
            conn, now=utcnow(), history_end=utcnow().date(), horizon_weeks=12
        )
        located = [
            {"sku": s, "location": loc, "share": 1.0, "demand_per_day": d, "error_per_day": e}
            for s, loc, d, e in rows
        ]
        forecast_store.save_locations(conn, [r | {"run_id": run_id} for r in located])
        forecast_store.finish_run(conn, run_id, now=utcnow(), series=len(rows))

    await db.run_write(write)


async def setup(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await setup_locations(client, auth)
    await demand(db, ("TEE", "main", 10, 4), ("MUG", "main", 0.5, 1.2), ("PIN", "tpl", 2, 0))
    await receive(client, auth, ("TEE", "main", 100), ("MUG", "main", 30), ("PIN", "tpl", 5))
    await receive(client, auth, ("CAP", "main", 3))
    await place(client, auth, "R1", {"TEE": 15})
    await work(db, settings)  # accepted: 15 TEE reserved at main
    r = await client.post("/purchase-orders", json=po({"TEE": 20}), headers=auth)
    assert r.status_code == 201
    supplier = {"name": "Acme", "lead_time_days": 9, "review_period_days": 7}
    r = await client.put("/replenishment/suppliers/ACME", json=supplier, headers=auth)
    assert r.status_code == 200 and r.json()["service_level"] == 0.95
    own = {"sku": "MUG", "lead_time_days": 14, "review_period_days": 14, "service_level": 0.99}
    body = {"settings": [{"sku": "TEE", "supplier": "ACME"}, own]}
    r = await client.put("/replenishment/settings", json=body, headers=auth)
    assert r.status_code == 200 and r.json() == {"stored": 2}


def figures(line: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("safety_stock", "reorder_point", "order_up_to", "position", "quantity")
    return tuple(line[k] for k in (*keys, "reorder_now", "days_of_cover"))


async def test_the_hand_computed_cases_shortest_cover_first(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await setup(client, auth, db, settings)
    r = await client.get("/replenishment", headers=auth)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["next_cursor"] is None and got["history_end"] == utcnow().date().isoformat()
    lines = {ln["sku"]: ln for ln in got["items"]}
    assert [ln["sku"] for ln in got["items"]] == ["PIN", "TEE", "MUG", "CAP"]
    # the worked example: d 10, sigma 4, L 9, R 7 (the supplier's), 95 %; 100 on hand,
    # 20 on order, 15 reserved: SS 27, ROP 117, S 187, position 105, order 82, 8.5 days
    tee = lines["TEE"]
    assert (tee["supplier"], tee["policy_source"], tee["lead_time_days"]) == ("ACME", "supplier", 9)
    assert (tee["on_hand"], tee["reserved"], tee["on_order"]) == (100, 15, 20)
    assert figures(tee) == (27, 117, 187, 105, 82, True, 8.5)
    # the SKU's own settings: d 0.5, sigma 1.2, L 14, R 14, 99 %; 30 on hand: (15, 22, 29)
    assert lines["MUG"]["policy_source"] == "sku"
    assert figures(lines["MUG"]) == (15, 22, 29, 30, 0, False, 60.0)
    # the hub's default (14 + 7 days, 95 %), a perfect forecast: ROP 28, S 42, 5 on hand
    assert (lines["PIN"]["policy_source"], lines["PIN"]["location"]) == ("default", "tpl")
    assert figures(lines["PIN"]) == (0, 28, 42, 5, 37, True, 2.5)
    assert figures(lines["CAP"])[-1] is None  # no demand: no days of cover, last

    main = (await client.get("/replenishment?location=main&limit=2", headers=auth)).json()
    assert [ln["sku"] for ln in main["items"]] == ["TEE", "MUG"] and main["next_cursor"] == "2"
    rest = (await client.get("/replenishment?location=main&limit=2&cursor=2", headers=auth)).json()
    assert [ln["sku"] for ln in rest["items"]] == ["CAP"] and rest["next_cursor"] is None
    assert_problem(
        await client.get("/replenishment?location=nowhere", headers=auth), 422, "location"
    )
    assert_problem(await client.get("/replenishment?cursor=abc", headers=auth), 422, "cursor")

    # receiving the purchase order moves 20 from on order to on hand: the position stays
    (order,) = (await client.get("/purchase-orders", headers=auth)).json()["items"]
    body = {"lines": [{"sku": "TEE", "quantity": 20}]}
    assert (
        await client.post(f"/purchase-orders/{order['id']}/receive", json=body, headers=auth)
    ).is_success
    tee = (await client.get("/replenishment?sku=TEE", headers=auth)).json()["items"][0]
    assert (tee["on_hand"], tee["on_order"], tee["position"], tee["quantity"]) == (120, 0, 105, 82)


async def test_settings_are_checked_and_a_location_wins_over_every_location(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await setup(client, auth, db, settings)
    for row, field in (
        ({"sku": "TEE", "supplier": "NOPE"}, "settings[0].supplier"),
        ({"sku": "TEE", "location": "nowhere"}, "settings[0].location"),
        ({"sku": "TEE", "service_level": 1.0}, "settings[0].service_level"),
        ({"sku": "TEE", "lead_time_days": -1}, "settings[0].lead_time_days"),
    ):
        r = await client.put("/replenishment/settings", json={"settings": [row]}, headers=auth)
        assert_problem(r, 422, field)
    # at main the SKU sets its own lead time; the review period still comes from ACME
    body = {"settings": [{"sku": "TEE", "location": "main", "lead_time_days": 2}]}
    assert (await client.put("/replenishment/settings", json=body, headers=auth)).is_success
    tee = (await client.get("/replenishment?sku=TEE", headers=auth)).json()["items"][0]
    assert (tee["lead_time_days"], tee["review_period_days"], tee["supplier"]) == (2, 7, "ACME")
    assert tee["policy_source"] == "sku"
    suppliers = (await client.get("/replenishment/suppliers", headers=auth)).json()["items"]
    assert [s["code"] for s in suppliers] == ["ACME"]


async def test_export_for_purchasing(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings, tmp_path: Path
) -> None:
    await setup(client, auth, db, settings)
    out = tmp_path / "buy.csv"
    code, stdout, _ = await asyncio.to_thread(run, settings, "replenishment", "export", str(out))
    assert (code, stdout.strip()) == (0, f"wrote 2 rows to {out}")
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["sku"], r["location"], r["quantity"], r["supplier"]) for r in rows] == [
        ("PIN", "tpl", "37", ""),
        ("TEE", "main", "82", "ACME"),
    ]
    code, stdout, _ = await asyncio.to_thread(
        run, settings, "replenishment", "export", str(out), "--all", "--location", "main"
    )
    assert stdout.strip() == f"wrote 3 rows to {out}"
    code, stdout, _ = await asyncio.to_thread(run, settings, "replenishment", "list", "--due")
    assert code == 0 and "PIN" in stdout and "TEE" in stdout and "MUG" not in stdout
    code, stdout, _ = await asyncio.to_thread(
        run, settings, "replenishment", "set", "MUG", "--lead-time", "1", "--review", "1"
    )
    assert code == 0
    code, stdout, err = await asyncio.to_thread(
        run, settings, "replenishment", "supplier", "BOLT", "--lead-time", "3", "--review", "7"
    )
    assert (code, stdout.strip()) == (0, "supplier BOLT stored"), err
