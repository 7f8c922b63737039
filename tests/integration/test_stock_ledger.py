"""Property test: random receipts, counts, reservations, cancellations and shipments, run
through the real stock services on SQLite and on PostgreSQL, always leave the ledger and the
levels agreeing, no figure negative, and every level equal to a pure model built from the
domain arithmetic.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, create_engine, insert

from hub.domain.stock import Level, MovementKind, StockRefused, apply
from hub.services import stock
from hub.services.stock import MovementIn
from hub.store import stock as store
from hub.store.database import Database
from hub.store.tables import locations, order_lines, orders
from tests.conftest import _in_thread, _reset_postgres

SKUS = ["A", "B"]
LOCS = ["near", "far"]  # reserved from in this order (priority)
NOW = datetime(2025, 3, 14, tzinfo=UTC)

sku = st.sampled_from(SKUS)
loc = st.sampled_from(LOCS)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("receipt"), sku, loc, st.integers(1, 5)),
        st.tuples(st.just("count"), sku, loc, st.integers(0, 6)),
        st.tuples(st.just("order"), sku, st.integers(1, 4), st.sampled_from(["hold", "backorder"])),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("ship"), st.integers(0, 20)),
    ),
    max_size=25,
)


def _order(conn: Connection, n: int, sku: str, quantity: int) -> str:
    oid = f"{n:026d}"
    conn.execute(
        insert(orders).values(
            id=oid,
            number=f"H-{n}",
            public_ref=f"R{n}",
            channel="c",
            external_id=str(n),
            status="received",
            placed_at=NOW,
            received_at=NOW,
            updated_at=NOW,
            currency="EUR",
            total=0,
            content_hash="x",
            version=1,
            doc=b"{}",
        )
    )
    conn.execute(insert(order_lines).values(order_id=oid, position=0, sku=sku, quantity=quantity))
    return oid


def _check(
    conn: Connection, model: dict[tuple[str, str], Level], counted_short: set[tuple[str, str]]
) -> None:
    levels = store.levels(conn)
    ledger = store.ledger_totals(conn)
    for key in set(levels) | set(ledger) | set(model):
        level = levels.get(key, Level())
        assert ledger.get(key, Level()) == level, key
        assert model.get(key, Level()) == level, key
        assert level.on_hand >= 0 and level.reserved >= 0 and level.available >= 0
        # Only a count may leave fewer on hand than reserved (it records the shelf as it
        # is); reservations, releases and shipments never do.
        if level.on_hand < level.reserved:
            assert key in counted_short, key


def _run(conn: Connection, steps: list[Any]) -> None:
    conn.execute(
        insert(locations),
        [{"code": c, "name": c, "kind": "own", "priority": i} for i, c in enumerate(LOCS)],
    )
    model: dict[tuple[str, str], Level] = {}
    counted_short: set[tuple[str, str]] = set()  # levels a count left below their reserved
    placed: list[str] = []
    for n, step in enumerate(steps):
        kind = step[0]
        if kind in ("receipt", "count"):
            _, s, location, q = step
            stock.apply_batch(conn, [MovementIn(kind, s, location, q, "test")], "test")
            before = model.get((s, location), Level())
            after = apply(MovementKind(kind), q, before)
            model[(s, location)] = after
            if after.on_hand < after.reserved and before.on_hand - before.reserved > (
                after.on_hand - after.reserved
            ):
                counted_short.add((s, location))
        elif kind == "order":
            _, s, q, policy = step
            oid = _order(conn, n, s, q)
            short = stock.reserve_orders(conn, [oid], policy_for={oid: policy}, now=NOW)[oid]
            left = q
            if not short or policy == "backorder":
                for location in LOCS:
                    lvl = model.get((s, location), Level())
                    take = min(left, lvl.available)
                    if take:
                        model[(s, location)] = apply(MovementKind.RESERVATION, take, lvl)
                        left -= take
            assert (left > 0) == bool(short) or policy == "hold"
            placed.append(oid)
        elif placed:
            i = step[1] % len(placed)
            oid = placed[i]
            held = store.reserved_for_order(conn, oid)
            if kind == "ship" and any(model[k].on_hand < q for k, q in held.items()):
                # a count found fewer than were promised: there is nothing to ship
                with pytest.raises(StockRefused, match="cannot ship"):
                    with conn.begin_nested():
                        stock.consume_order(conn, oid)
                continue
            fn = stock.release_order if kind == "cancel" else stock.consume_order
            units = fn(conn, oid)
            assert units == sum(held.values())
            movement = MovementKind.RELEASE if kind == "cancel" else MovementKind.SHIPMENT
            for key, q in held.items():
                model[key] = apply(movement, q, model[key])
            assert store.reserved_for_order(conn, oid) == {}
        _check(conn, model, counted_short)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=ops)
def test_ledger_and_levels_always_agree(sqlite_template: Path, steps: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hub.db"
        shutil.copyfile(sqlite_template, path)
        engine = create_engine(f"sqlite:///{path}")
        try:
            with engine.begin() as conn:
                _run(conn, steps)
        finally:
            engine.dispose()


async def _on_postgres(url: str, steps: list[Any]) -> None:
    await _reset_postgres(url)
    db = Database(url, pool_size=1)
    try:
        await db.run_write(lambda conn: _run(conn, steps))
    finally:
        await db.dispose()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=ops)
def test_ledger_and_levels_always_agree_on_postgres(postgres_url: str, steps: list[Any]) -> None:
    _in_thread(_on_postgres(postgres_url, steps))
