"""What to reorder, per SKU and location: periodic review, order up to. Pure arithmetic.

Stock is reviewed every ``R`` days (the review period) and an order placed at a review
arrives ``L`` days later (the lead time), so an order must cover ``P = L + R`` days: the
lead time, and the review period until the next order can arrive. With ``d`` the forecast
mean demand per day and ``sigma`` the standard deviation of one day's forecast error
(``hub.forecasting.Forecast.demand_per_day`` and ``.error_per_day``), taking days as
independent, and ``z`` the normal quantile of the service level (95 % -> 1.645; the
cycle service level: the chance of not running out before the next order arrives)::

    safety stock   SS = z * sigma * sqrt(L + R)
    reorder point  ROP = d * L + SS          an order is due when the position is at or below
    order up to    S  = d * (L + R) + SS
    position          = on hand + on order - reserved
    quantity          = S - position, never below 0
    days of cover     = (on hand - reserved, not below 0) / d; None without demand

This is the standard order-up-to (R, S) policy; the safety stock covers the forecast error
over lead time plus review period, not the lead time alone, because a review does not
come round again for R days. Units are whole: SS, ROP and S are rounded up from their
exact values (the quantity then is S less the position, both whole).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from statistics import NormalDist
from typing import Annotated

import msgspec

Days = Annotated[int, msgspec.Meta(ge=0)]
NonNegative = Annotated[float, msgspec.Meta(ge=0)]
ServiceLevel = Annotated[float, msgspec.Meta(ge=0.5, lt=1.0)]

DEFAULT_SERVICE_LEVEL = 0.95


class Policy(msgspec.Struct, frozen=True, kw_only=True):
    """Lead time and review period in days, and the service level (0.5 to below 1)."""

    lead_time_days: Days
    review_period_days: Days
    service_level: ServiceLevel = DEFAULT_SERVICE_LEVEL


def policy_for(
    supplier: Policy,
    *,
    lead_time_days: int | None = None,
    review_period_days: int | None = None,
    service_level: float | None = None,
) -> Policy:
    """The supplier's default policy, with whatever the SKU sets for itself instead."""
    return Policy(
        lead_time_days=supplier.lead_time_days if lead_time_days is None else lead_time_days,
        review_period_days=(
            supplier.review_period_days if review_period_days is None else review_period_days
        ),
        service_level=supplier.service_level if service_level is None else service_level,
    )


class StockPosition(msgspec.Struct, frozen=True, kw_only=True):
    """What the location holds: on hand, on order (open purchase orders), reserved."""

    on_hand: int
    on_order: int = 0
    reserved: int = 0


class Suggestion(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    location: str
    demand_per_day: float
    safety_stock: int
    reorder_point: int
    order_up_to: int
    position: int
    quantity: int
    reorder_now: bool
    days_of_cover: float | None


def whole_units(exact: float) -> int:
    """Rounded up, after dropping float noise (0.1 * 30 is 3.0000000000000004, not 4)."""
    return math.ceil(round(exact, 6))


def z_score(service_level: float) -> float:
    """The standard normal quantile of the service level (0.95 -> 1.6449)."""
    if not 0.5 <= service_level < 1.0:
        raise ValueError(f"service level {service_level} is not in [0.5, 1)")
    return NormalDist().inv_cdf(service_level)


def suggest(
    sku: str,
    location: str,
    demand_per_day: float,
    error_per_day: float,
    policy: Policy,
    stock: StockPosition,
) -> Suggestion:
    """The reorder figures for one SKU at one location (see the module docstring)."""
    if demand_per_day < 0 or error_per_day < 0:
        raise ValueError("demand and its error per day are not negative")
    lead, cover = policy.lead_time_days, policy.lead_time_days + policy.review_period_days
    safety = z_score(policy.service_level) * error_per_day * math.sqrt(cover)
    position = stock.on_hand + stock.on_order - stock.reserved
    order_up_to = whole_units(demand_per_day * cover + safety)
    reorder_point = whole_units(demand_per_day * lead + safety)
    available = max(stock.on_hand - stock.reserved, 0)
    return Suggestion(
        sku=sku,
        location=location,
        demand_per_day=demand_per_day,
        safety_stock=whole_units(safety),
        reorder_point=reorder_point,
        order_up_to=order_up_to,
        position=position,
        quantity=max(order_up_to - position, 0),
        reorder_now=position <= reorder_point and order_up_to > position,
        days_of_cover=available / demand_per_day if demand_per_day > 0 else None,
    )


def by_days_of_cover(suggestions: Iterable[Suggestion]) -> list[Suggestion]:
    """Shortest cover first; SKUs without demand (no days of cover) last."""
    return sorted(
        suggestions,
        key=lambda s: (s.days_of_cover is None, s.days_of_cover or 0.0, s.sku, s.location),
    )
