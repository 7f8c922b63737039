"""Daily series from the demand aggregate: per SKU (every channel) and per SKU x channel.

numpy comes with the optional ``forecast`` group: this module is imported only once
``require_statsforecast`` has passed (``services/forecast/run.py``).

A series runs from its own first day with a sale (at most ``max_days`` back) to
``history_end``, one value per day, 0 where nothing sold. A SKU sold on one channel only
has the same series per channel as in total: it is forecast once and stored under both
keys (``Series.also``). Beside the series, the units per location over the last 364 days
give each SKU's split of demand over its locations (``services/forecast/locations.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np

from hub.forecasting import DailySeries
from hub.store.demand import Units
from hub.store.forecasts import ALL_CHANNELS

SHARE_DAYS = 364


class Series(NamedTuple):
    sku: str
    channel: str  # "" for every channel
    series: DailySeries
    also: tuple[str, ...] = ()  # channels whose series is this very one


class Built(NamedTuple):
    series: list[Series]
    by_location: dict[str, dict[str, int]]  # sku -> location -> units over SHARE_DAYS


def build(rows: Iterable[Units], history_end: date, max_days: int) -> Built:
    """The series of every SKU in ``rows`` (one chunk of SKUs, any order)."""
    since = history_end - timedelta(days=max_days - 1)
    share_from = history_end - timedelta(days=SHARE_DAYS - 1)
    days: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    by_location: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    end = history_end.toordinal()
    for r in rows:
        if r.units <= 0 or not since <= r.day <= history_end:
            continue
        offset = end - r.day.toordinal()
        days[(r.sku, r.channel)][offset] += r.units
        days[(r.sku, ALL_CHANNELS)][offset] += r.units
        if r.location and r.day >= share_from:
            by_location[r.sku][r.location] += r.units
    channels: dict[str, list[str]] = defaultdict(list)
    for sku, channel in days:
        if channel != ALL_CHANNELS:
            channels[sku].append(channel)
    out = []
    for (sku, channel), cells in sorted(days.items()):
        single = len(channels[sku]) == 1
        if channel != ALL_CHANNELS and single:
            continue  # the same as the SKU's total: forecast once
        span = max(cells) + 1
        units = np.zeros(span, dtype=np.float32)
        for offset, n in cells.items():
            units[span - 1 - offset] = n
        start = history_end - timedelta(days=span - 1)
        key = f"{sku} @ {channel or 'all'}"
        also = tuple(channels[sku]) if channel == ALL_CHANNELS and single else ()
        out.append(Series(sku, channel, DailySeries(key, start, units), also))
    return Built(out, {k: dict(v) for k, v in by_location.items()})
