"""Who hears of stock: the connections the hub pushes stock to, each with its settings, its
rate limit and batch size, and the figure each SKU should show there."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from hub.connections import NotConfigured
from hub.domain.ats import ChannelRules, LocationFigures, channel_ats, serves
from hub.domain.settings import HubSettings
from hub.sdk import Connection as ChannelConnection
from hub.sdk import PushesStock
from hub.services.jobs import FatalJobError, JobContext
from hub.services.ratelimit import SharedBucket
from hub.store import catalog as catalog_store
from hub.store import forecasts as forecast_store
from hub.store import stock as stock_store


@dataclass(frozen=True, slots=True)
class Target:
    """A connection the hub pushes stock to: its connector and the hub's settings of it."""

    connection: ChannelConnection
    connector: PushesStock
    settings: HubSettings
    rules: ChannelRules

    @property
    def code(self) -> str:
        return self.connection.code

    @property
    def all_skus(self) -> bool:
        """Every SKU, keyed by the SKU itself (``stock_skus: all``), not only listed ones."""
        return self.settings.stock_skus == "all"

    @property
    def batch_size(self) -> int:
        """Figures per partner call: the connection's ``stock_batch_size``, at most the
        connector's own limit (its default)."""
        own = self.connector.stock_batch_size
        return max(1, min(own, self.settings.stock_batch_size or own))

    @property
    def calls_per_second(self) -> float:
        return self.settings.stock_calls_per_second or self.connector.stock_calls_per_second

    @property
    def burst(self) -> float:
        return self.settings.stock_burst or max(1.0, self.calls_per_second)


def targets(connections: Any) -> list[Target]:
    """Every connection whose connector pushes stock, that sells stock and that has
    ``stock_push`` on."""
    found = []
    for connection in connections.all() if connections is not None else ():
        t = _target(connections, connection, connections.connector(connection))
        if t is not None:
            found.append(t)
    return found


def target(connections: Any, code: str) -> Target:
    """The connection ``code`` as a target; ``FatalJobError`` when it pushes no stock."""
    t = None
    if connections is not None:
        try:
            t = _target(connections, *connections.require(code, PushesStock))
        except NotConfigured:
            pass
    if t is None:
        raise FatalJobError(f"connection {code!r} does not push stock (unknown, or stock_push off)")
    return t


def _target(connections: Any, connection: ChannelConnection, connector: Any) -> Target | None:
    settings = connections.hub_settings(connection.code)
    if not isinstance(connector, PushesStock) or not settings.stock_push:
        return None
    rules = settings.rules()
    return Target(connection, connector, settings, rules) if serves(rules) else None


def bucket(ctx: JobContext, t: Target) -> SharedBucket:
    """The connection's token bucket for stock calls, shared by every worker."""
    return SharedBucket(ctx.db, f"stock:{t.code}", t.calls_per_second, max(1.0, t.burst))


def figures(conn: Connection, rules: ChannelRules, skus: Iterable[str]) -> dict[str, int]:
    """Each SKU's available to sell for a channel with ``rules`` (bundles from components)."""
    wanted = set(skus)
    bundles = catalog_store.components_of(conn, wanted)
    plain = (wanted - bundles.keys()) | {c for parts in bundles.values() for c in parts}
    levels = stock_store.levels_with_safety_many(conn, plain)
    demand: dict[str, float] = {}
    if rules.hold_back_below_days is not None:
        demand = forecast_store.demand_per_day(conn, sorted(plain))

    def ats(sku: str) -> int:
        found = [
            LocationFigures(loc, lvl.on_hand, lvl.reserved, s)
            for loc, lvl, s in levels.get(sku, [])
        ]
        return channel_ats("", found, rules, demand.get(sku)).ats

    plain_ats = {s: ats(s) for s in plain}
    out = {s: plain_ats[s] for s in wanted if s not in bundles}
    for bundle, parts in bundles.items():
        out[bundle] = min(plain_ats[c] // q for c, q in parts.items())
    return out
