"""Available to sell (ATS) per channel, explained term by term. Pure, no I/O, integers only.

For one SKU and one channel::

    per serving location: on_hand - reserved - safety_stock, never below 0
    pooled  = the sum of those
    ats     = pooled - buffer, never below 0
    ats     = floor(ats * share / 100)   when the channel has a share
    ats     = min(ats, cap)              when the channel has a cap
    ats     = 0                          when the channel holds back below N days of cover
                                         and pooled / demand per day < N

Every step is a term with a signed value, so the terms always add up to the figure: a
client (or an operator) can see why the marketplace shows 3 when the shelf holds 12.
The rules come from the channel connection's settings (``domain.settings.HubSettings.rules``).
"""

from __future__ import annotations

import msgspec

#: the term added when a figure would go below zero and is held at 0.
FLOOR = "not below 0"


class ChannelRules(msgspec.Struct, frozen=True, kw_only=True):
    """What a channel may see. ``locations`` None: every location serves it."""

    locations: frozenset[str] | None = None
    buffer: int = 0
    share: int | None = None
    cap: int | None = None
    #: show 0 when the pooled units cover fewer days of the SKU's forecast demand than this
    hold_back_below_days: float | None = None


class LocationFigures(msgspec.Struct, frozen=True):
    """One location's level of the SKU, with the location's safety stock."""

    location: str
    on_hand: int
    reserved: int
    safety_stock: int = 0


class Term(msgspec.Struct, frozen=True, omit_defaults=True):
    """One step of the explanation: a signed number of units, maybe at one location."""

    term: str
    value: int
    location: str | None = None


class ChannelAts(msgspec.Struct, frozen=True):
    channel: str
    ats: int
    terms: list[Term]


def serves(rules: ChannelRules) -> bool:
    """False for a channel configured with ``stock_locations: []`` (it sells no stock)."""
    return rules.locations is None or bool(rules.locations)


def _hold_back(rules: ChannelRules, pooled: int, ats: int, per_day: float | None) -> Term | None:
    """The term that takes the channel to 0 when the cover is short, or None."""
    limit = rules.hold_back_below_days
    if limit is None or ats <= 0 or not per_day or per_day <= 0:
        return None
    cover = pooled / per_day
    if cover >= limit:
        return None
    return Term(f"hold back: {cover:.1f} days of cover < {limit:g}", -ats)


def channel_ats(
    channel: str,
    levels: list[LocationFigures],
    rules: ChannelRules,
    demand_per_day: float | None = None,
) -> ChannelAts:
    """The channel's ATS and the terms that make it up (they sum to ``ats``).
    ``demand_per_day``: the SKU's forecast demand (over every channel), for the hold-back."""
    terms: list[Term] = []
    pooled = 0
    for lvl in sorted(levels, key=lambda x: x.location):
        if rules.locations is not None and lvl.location not in rules.locations:
            continue
        loc = lvl.location
        terms += [
            Term("on_hand", lvl.on_hand, loc),
            Term("reserved", -lvl.reserved, loc),
            Term("safety_stock", -lvl.safety_stock, loc),
        ]
        here = lvl.on_hand - lvl.reserved - lvl.safety_stock
        if here < 0:
            terms.append(Term(FLOOR, -here, loc))
            here = 0
        pooled += here
    ats = pooled
    if rules.buffer:
        terms.append(Term("buffer", -rules.buffer))
        ats -= rules.buffer
        if ats < 0:
            terms.append(Term(FLOOR, -ats))
            ats = 0
    if rules.share is not None:
        shared = ats * rules.share // 100
        terms.append(Term(f"share {rules.share}%", shared - ats))
        ats = shared
    if rules.cap is not None:
        capped = min(ats, rules.cap)
        terms.append(Term(f"cap {rules.cap}", capped - ats))
        ats = capped
    held = _hold_back(rules, pooled, ats, demand_per_day)
    if held is not None:
        terms.append(held)
        ats = 0
    return ChannelAts(channel=channel, ats=ats, terms=terms)


def pooled(found: ChannelAts) -> ChannelAts:
    """The same figure with its per-location terms summed over locations (what a channel
    may be shown of itself: how its figure comes about, not what lies where). Terms keep
    the order in which each first appears, so they still add up to ``ats``."""
    sums: dict[str, int] = {}
    for t in found.terms:
        sums[t.term] = sums.get(t.term, 0) + t.value
    return ChannelAts(found.channel, found.ats, [Term(name, value) for name, value in sums.items()])
