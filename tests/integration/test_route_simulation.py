"""The routing dry run over a stored history, on SQLite and PostgreSQL: exact figures per
rule, one shared stock pool, aliases and bundles resolved, and nothing written."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import select

from hub.domain.order import OrderData, normalise
from hub.domain.routing import RulesError
from hub.services import stock
from hub.services.catalog import SkuIn, upsert_skus
from hub.services.intake.writer import IngestRequest, OrderWriter
from hub.services.routing import simulate as simulation
from hub.services.routing.rules_source import load_rules, load_rules_file
from hub.services.routing.simulate import RuleFigures, format_report, simulate
from hub.services.stock import LocationIn, MovementIn
from hub.store.database import Database
from hub.store.tables import (
    bundle_components,
    jobs,
    locations,
    order_events,
    order_lines,
    orders,
    sku_aliases,
    skus,
    stock_levels,
    stock_movements,
)

DAY1 = datetime(2025, 5, 1, tzinfo=UTC)
RULES = """
rules:
  - name: eu
    when: {country: [DE, NL]}
    strategy: {locations: [de]}
  - name: us
    when: {country: [US]}
    strategy: {nearest: true}
"""
WATCHED = [
    orders,
    order_lines,
    order_events,
    jobs,
    locations,
    stock_levels,
    stock_movements,
    skus,
    sku_aliases,
    bundle_components,
]


def order(n: int, at: datetime, country: str, region: str | None, *lines: tuple[str, int]) -> Any:
    body = [
        {"line_id": str(i), "sku": s, "quantity": q, "unit_price": 100}
        for i, (s, q) in enumerate(lines)
    ]
    subtotal = sum(100 * q for _, q in lines)
    raw = {
        "channel": "web",
        "external_id": f"SIM-{n}",
        "placed_at": at.isoformat(),
        "currency": "USD",
        "shipping_address": {
            "line1": "1 Main St",
            "city": "X",
            "country": country,
            "region": region,
        },
        "lines": body,
        "totals": {"subtotal": subtotal, "total": subtotal},
    }
    return normalise(msgspec.convert(raw, OrderData, strict=False))


async def setup(db: Database) -> None:
    for code, priority, country, region in (
        ("nj", 10, "US", "NJ"),
        ("ca", 20, "US", "CA"),
        ("de", 30, "DE", None),
    ):
        await stock.add_location(
            db,
            LocationIn(code=code, name=code, priority=priority, country=country, region=region),
        )
    await upsert_skus(
        db,
        [
            SkuIn(sku="A", name="A", aliases=["A-OLD"]),
            SkuIn(sku="B", name="B"),
            SkuIn(sku="C", name="C"),
            SkuIn(sku="KIT", name="Kit", components={"A": 1, "B": 1}),
        ],
    )
    await stock.post_movements(
        db,
        [
            MovementIn("receipt", sku, loc, qty, "opening stock")
            for sku, loc, qty in (("A", "nj", 3), ("A", "ca", 2), ("B", "ca", 5), ("C", "de", 2))
        ],
        actor="test",
    )
    h = timedelta(hours=1)
    history = [
        # stored out of order: the simulation must take them by placed_at
        order(4, DAY1 + 39 * h, "DE", None, ("C", 2)),
        order(1, DAY1 + 10 * h, "US", "CA", ("A", 1)),
        order(2, DAY1 + 12 * h, "US", "NJ", ("A-OLD", 2), ("B", 1)),
        order(3, DAY1 + 33 * h, "US", "CA", ("KIT", 2)),
        order(5, DAY1 + 56 * h, "DE", None, ("C", 1)),
        order(6, DAY1 + 57 * h, "GB", None, ("A", 1)),
        order(7, DAY1 + 72 * h, "US", "NJ", ("A", 1)),  # after the window
        order(8, DAY1 - h, "US", "NJ", ("A", 1)),  # before it
    ]
    async with OrderWriter(db, max_attempts=5) as writer:
        for data in history:
            await writer.submit(IngestRequest(data=data, actor="test"))


async def checksum(db: Database) -> dict[str, tuple[int, str]]:
    out = {}
    async with db.read() as conn:
        for table in WATCHED:
            rows = list(await conn.execute(select(table).order_by(*table.primary_key.columns)))
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
            out[table.name] = (len(rows), digest)
    return out


async def test_simulation_reports_exact_figures_and_writes_nothing(db: Database) -> None:
    await setup(db)
    before = await checksum(db)
    seen: list[int] = []

    report = await simulate(
        db,
        load_rules(RULES, source="routing.yaml"),
        since=DAY1,
        until=DAY1 + timedelta(days=3),
        progress=seen.append,
    )

    assert await checksum(db) == before
    assert before["orders"][0] == 8 and before["stock_levels"][0] == 4
    assert seen == [6]
    # 1: A x1 to CA, nearest -> ca (ca A 2 -> 1)
    # 2: alias A-OLD x2 + B x1 to NJ: no site has both; nj takes A x2, ca takes B x1
    # 3: bundle KIT x2 = A x2 + B x2: ca takes B x2, A x2 is left 1 at nj and 1 at ca
    # 4: C x2 to DE -> de; 5: C x1 to DE, de is now empty; 6: GB, no rule
    assert report.rules == [
        RuleFigures(rule="eu", orders=1, split=0, units=2, locations={"de": 1}),
        RuleFigures(rule="us", orders=2, split=1, units=4, locations={"ca": 2, "nj": 1}),
    ]
    assert (report.orders, report.routed, report.split, report.units, report.unroutable) == (
        6,
        3,
        1,
        6,
        3,
    )
    assert report.reasons == [
        ("eu: short of C by 1", 1),
        ("no rule matches", 1),
        ("us: no one location has A x2 whole (split_lines false)", 1),
    ]
    assert format_report(report) == (
        "Routing simulation of orders placed 2025-05-01T00:00:00+00:00 to "
        "2025-05-04T00:00:00+00:00\n"
        "\n"
        "rule        orders  split  units  locations (orders)\n"
        "----------  ------  -----  -----  ------------------\n"
        "eu               1      0      2  de (1)\n"
        "us               2      1      4  ca (2), nj (1)\n"
        "unroutable       3      -      -  -\n"
        "----------  ------  -----  -----  ------------------\n"
        "total            6      1      6  3 routed\n"
        "\n"
        "Most common reasons for no route:\n"
        "      1  eu: short of C by 1\n"
        "      1  no rule matches\n"
        "      1  us: no one location has A x2 whole (split_lines false)\n"
    )


async def test_the_pool_is_shared_and_a_default_routes_the_rest(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await setup(db)
    monkeypatch.setattr(simulation, "PAGE", 3)  # orders are read in pages
    rules = load_rules(RULES + "default:\n  strategy: {split_lines: true}\n")
    seen: list[int] = []
    report = await simulate(db, rules, since=DAY1 - timedelta(days=1), progress=seen.append)
    assert seen == [3, 6, 8]
    # 8 (A x1, NJ) -> nj; 1 -> ca; 2 -> nj + ca; 3 (KIT): us cannot, the default finds only
    # 3 of 4 units (nj has no A left); 4 -> de; 5: de is empty; 6 (GB) -> default
    # from ca, the last A; 7: no A anywhere
    assert report.rules == [
        RuleFigures(rule="eu", orders=1, split=0, units=2, locations={"de": 1}),
        RuleFigures(rule="us", orders=3, split=1, units=5, locations={"ca": 2, "nj": 2}),
        RuleFigures(rule="default", orders=1, split=0, units=1, locations={"ca": 1}),
    ]
    assert (report.orders, report.routed, report.split, report.units, report.unroutable) == (
        8,
        5,
        1,
        8,
        3,
    )
    assert report.reasons == [
        ("us: short of A by 1; default: short of A by 1", 2),
        ("eu: short of C by 1; default: short of C by 1", 1),
    ]


def test_load_rules_file_names_the_file(tmp_path: Path) -> None:
    good = tmp_path / "routing.yaml"
    good.write_text(RULES)
    assert [r.name for r in load_rules_file(good).rules] == ["eu", "us"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - name: x\n    strategy: {max_splits: -1}\n")
    with pytest.raises(RulesError) as caught:
        load_rules_file(bad)
    assert str(caught.value) == f"{bad}: rules[0] (x).strategy.max_splits: expected an integer >= 1"
    with pytest.raises(RulesError) as caught:
        load_rules_file(tmp_path / "missing.yaml")
    assert str(caught.value) == f"{tmp_path / 'missing.yaml'}: No such file or directory"
