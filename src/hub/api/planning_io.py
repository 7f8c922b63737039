"""What ``/forecast``, ``/replenishment`` and ``/purchase-orders`` take and give."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from hub.domain.bounds import END, FREE_TEXT, ONE_LINE
from hub.forecasting import Accuracy, Path
from hub.services.forecast.results import ForecastDetail, History
from hub.services.purchasing import PurchaseOrder
from hub.services.replenishment import Line

#: the scopes of the planning routes (README "Keys and scopes"): reading forecasts, the
#: replenishment list and purchase orders; placing and receiving purchase orders (a receipt
#: is a stock movement); setting replenishment inputs (suppliers, per-SKU settings)
READ_SCOPE = "stock:read"
PURCHASING_SCOPE = "stock:write"
SETTINGS_SCOPE = "catalog:write"

Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=ONE_LINE)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^\S+" + END)]
Days = Annotated[int, msgspec.Meta(ge=0, le=730)]
ServiceLevel = Annotated[float, msgspec.Meta(ge=0.5, lt=1.0)]
Units = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]


class HistoryOut(msgspec.Struct, frozen=True):
    """Units sold per ``step_days`` (7: weeks, 1: days) from ``start``."""

    start: date
    step_days: int
    units: list[int]


class ForecastOut(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    channel: str | None  # None: every channel
    run_id: int
    made_at: datetime | None  # when the run that made it finished
    history_start: date
    history_end: date
    demand_class: str
    model: str
    accuracy: Accuracy | None  # None: too little history to backtest
    demand_per_day: float
    error_per_day: float
    history: HistoryOut
    forecast: Path  # weekly, with 80 % and 95 % intervals
    daily: Path | None  # fast movers only
    history_daily: HistoryOut | None
    candidates: dict[str, float]  # backtest MASE of every model tried


def _history(h: History | None) -> HistoryOut | None:
    return None if h is None else HistoryOut(h.start, h.step_days, h.units)


def forecast_out(d: ForecastDetail) -> ForecastOut:
    f = d.forecast
    history = _history(d.history)
    assert history is not None
    return ForecastOut(
        sku=d.sku,
        channel=d.channel,
        run_id=d.run_id,
        made_at=d.made_at,
        history_start=d.history_start,
        history_end=d.history_end,
        demand_class=f.demand.value,
        model=f.model,
        accuracy=f.accuracy,
        demand_per_day=f.demand_per_day,
        error_per_day=f.error_per_day,
        history=history,
        forecast=f.weekly,
        daily=f.daily,
        history_daily=_history(d.history_daily),
        candidates=f.candidates,
    )


class ReplenishmentPage(msgspec.Struct, frozen=True):
    items: list[Line]
    next_cursor: str | None
    history_end: date | None  # the forecasts' last day of history (None: no run yet)


class SupplierIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=ONE_LINE)]
    lead_time_days: Days
    review_period_days: Days
    service_level: ServiceLevel = 0.95


class Supplier(msgspec.Struct, frozen=True):
    code: str
    name: str
    lead_time_days: int
    review_period_days: int
    service_level: float


class SettingIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One SKU's inputs at one location (absent: every location); None falls through to
    the supplier's figure, then the hub's default."""

    sku: Sku
    location: Code | None = None
    supplier: Code | None = None
    lead_time_days: Days | None = None
    review_period_days: Days | None = None
    service_level: ServiceLevel | None = None

    def row(self) -> dict[str, Any]:
        return msgspec.structs.asdict(self) | {"location": self.location or ""}


class SettingsIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    settings: Annotated[list[SettingIn], msgspec.Meta(min_length=1, max_length=1000)]


class SettingsStored(msgspec.Struct, frozen=True):
    stored: int


class PurchaseLineIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sku: Sku
    quantity: Units


Lines = Annotated[list[PurchaseLineIn], msgspec.Meta(min_length=1, max_length=500)]


class PurchaseOrderIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    supplier: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=ONE_LINE)]
    location: Code
    expected_on: date
    lines: Lines
    reference: Annotated[str, msgspec.Meta(max_length=200, pattern=ONE_LINE)] | None = None


class ReceiptIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Units that arrived: partial receipts are fine, more than a line expects is not."""

    lines: Lines
    note: Annotated[str, msgspec.Meta(max_length=500, pattern=FREE_TEXT)] | None = None


class PurchaseOrderPage(msgspec.Struct, frozen=True):
    items: list[PurchaseOrder]
    next_cursor: str | None
