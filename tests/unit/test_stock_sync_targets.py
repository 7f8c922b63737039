"""Who hears of stock, at what pace and in what batches: read from the typed settings and the
connector's declared limits, never guessed."""

from __future__ import annotations

from typing import Any

from hub.connections import Connections
from hub.sdk import Connection
from hub.services.stock_sync import targets
from tests.support.stock_channel import NAME, StockChannel


class NotPushing:
    """A connector without push_stock (an order-only channel)."""

    name = "orders-only"
    capabilities = frozenset()


def connections(**settings: dict[str, Any]) -> Connections:
    return Connections(
        [Connection(code=code, connector=NAME, settings=s) for code, s in settings.items()]
        + [Connection(code="orders", connector="orders-only")],
        {NAME: StockChannel(batch_size=100), "orders-only": NotPushing()},
    )


def test_targets_are_the_pushing_connections_that_sell_stock_with_push_on() -> None:
    found = targets(
        connections(
            plain={},
            off={"stock_push": False},
            sells_none={"stock_locations": []},
            some={"stock_locations": ["main"]},
        )
    )
    assert sorted(t.code for t in found) == ["plain", "some"]


def test_rate_and_batch_come_from_the_connector_unless_the_connection_says_otherwise() -> None:
    by_code = {
        t.code: t
        for t in targets(
            connections(
                plain={},
                tuned={"stock_calls_per_second": 3, "stock_burst": 5, "stock_batch_size": 40},
                greedy={"stock_batch_size": 1000, "stock_skus": "all"},
            )
        )
    }
    plain, tuned, greedy = by_code["plain"], by_code["tuned"], by_code["greedy"]
    assert (plain.calls_per_second, plain.burst, plain.batch_size) == (100_000.0, 100_000.0, 100)
    assert (tuned.calls_per_second, tuned.burst, tuned.batch_size) == (3, 5, 40)
    assert greedy.batch_size == 100  # never more than the connector's own limit
    assert greedy.all_skus and not plain.all_skus
