"""Reading stock: levels per location and each channel's available to sell, term by term.

A bundle holds no stock of its own: its figures are derived from its components'.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from hub.domain.ats import (
    ChannelAts,
    ChannelRules,
    LocationFigures,
    Term,
    channel_ats,
    pooled,
    serves,
)
from hub.domain.stock import Level
from hub.errors import NotFound
from hub.store import catalog as catalog_store
from hub.store import forecasts as forecast_store
from hub.store import stock as store
from hub.store.database import Database


class LocationStock(msgspec.Struct, frozen=True):
    location: str
    on_hand: int
    reserved: int
    available: int
    bin: str | None = None  # where the SKU lies there (set by a count or the catalog import)


class ComponentStock(msgspec.Struct, frozen=True):
    """One component of a bundle: how many a bundle takes, and how many are available."""

    sku: str
    quantity: int
    available: int


class StockView(msgspec.Struct, frozen=True):
    """One SKU's stock (``GET /stock/{sku}``, ``hub stock show``, and what bundles are
    derived from)."""

    sku: str
    on_hand: int
    reserved: int
    available: int
    locations: list[LocationStock]
    channels: list[ChannelAts] = []
    components: list[ComponentStock] | msgspec.UnsetType = msgspec.UNSET  # a bundle's only


def _view(
    sku: str,
    found: list[tuple[str, Level, int]],
    channels: Mapping[str, ChannelRules],
    per_day: float | None = None,
    bins: Mapping[str, str] | None = None,
) -> StockView:
    bins = bins or {}
    rows = [
        LocationStock(loc, lvl.on_hand, lvl.reserved, lvl.available, bins.get(loc))
        for loc, lvl, _ in found
    ]
    figures = [
        LocationFigures(loc, lvl.on_hand, lvl.reserved, safety) for loc, lvl, safety in found
    ]
    per_channel = [
        channel_ats(code, figures, rules, per_day)
        for code, rules in channels.items()
        if serves(rules)
    ]
    return StockView(
        sku=sku,
        on_hand=sum(r.on_hand for r in rows),
        reserved=sum(r.reserved for r in rows),
        available=sum(r.available for r in rows),
        locations=rows,
        channels=per_channel,
    )


def _bundle_view(sku: str, parts: dict[str, int], views: dict[str, StockView]) -> StockView:
    """Whole bundles the components make: each figure is the least, over components, of
    the component's figure divided by how many one bundle takes. A bundle holds nothing."""
    first = views[next(iter(parts))]
    per_channel = []
    for i, channel in enumerate(first.channels):
        limit = min(parts, key=lambda c: views[c].channels[i].ats // parts[c])
        ats = views[limit].channels[i].ats // parts[limit]
        term = Term(f"{limit}: {views[limit].channels[i].ats} // {parts[limit]}", ats)
        per_channel.append(ChannelAts(channel.channel, ats, [term]))
    return StockView(
        sku=sku,
        on_hand=min(views[c].on_hand // q for c, q in parts.items()),
        reserved=0,
        available=min(views[c].available // q for c, q in parts.items()),
        locations=[],
        channels=per_channel,
        components=[ComponentStock(c, q, views[c].available) for c, q in parts.items()],
    )


async def get_stock(
    db: Database, sku: str, channels: Mapping[str, ChannelRules] | None = None
) -> StockView:
    """Levels per location, and each channel's available to sell with its terms.

    ``channels`` is each channel's stock rules by connection code
    (``Connections.channel_rules()``); one whose ``stock_locations`` is ``[]`` is left out.
    A bundle's figures are derived from its components' (see ``_bundle_view``).
    """
    serving = dict(channels or {})
    async with db.read() as conn:
        parts = (await conn.run_sync(catalog_store.components_of, [sku])).get(sku)
        found = {}
        for name in parts or [sku]:
            found[name] = await conn.run_sync(store.levels_with_safety, name)
        demand: dict[str, float] = {}
        if any(r.hold_back_below_days is not None for r in serving.values()):
            demand = await conn.run_sync(forecast_store.demand_per_day, list(found))
        bins = {} if parts else await conn.run_sync(store.bins_of, sku)
    if parts:
        views = {c: _view(c, found[c], serving, demand.get(c)) for c in parts}
        return _bundle_view(sku, parts, views)
    if not found[sku]:
        raise NotFound(f"no stock recorded for {sku!r}")
    return _view(sku, found[sku], serving, demand.get(sku), bins)


async def channel_stock(
    db: Database, sku: str, channel: str, channels: Mapping[str, ChannelRules]
) -> ChannelAts:
    """One channel's available to sell of ``sku``, its terms pooled over the locations that
    serve it (``GET /stock/{sku}/ats``: nothing per location, nothing of other channels)."""
    rules = channels.get(channel)
    if rules is None or not serves(rules):
        raise NotFound(f"channel {channel!r} is offered no stock")
    view = await get_stock(db, sku, {channel: rules})
    return pooled(view.channels[0])
