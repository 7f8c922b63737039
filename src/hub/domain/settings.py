"""The hub's own per-connection settings, typed: every key of a connection's ``settings:``
mapping that the hub itself reads (the rest belong to the connector, see ``hub.connections``).

```yaml
settings:
  # what the channel sees of the stock (domain/ats)
  stock_locations: [main]        # the locations that serve it; [] : it sells no stock
  stock_buffer: 2                # units held back from the pooled figure
  stock_share: 50                # percent of what is left
  stock_cap: 100                 # never more than this
  hold_back_below_days_of_cover: 7   # 0 when the stock covers fewer days of forecast demand
  # an order the channel's stock cannot cover: hold it (default) or backorder it
  stock_policy: hold
  # when an accepted order may go to fulfilment (domain/payments): paid (captured >= total),
  # authorized, or always; default: the connector's (always for amazon and ebay, whose
  # marketplaces collect the money), else paid
  release_when: paid
  # when the order's invoice is issued (services/documents): paid, shipped or never
  invoice_on: shipped
  # stock sync out (services/stock_sync)
  stock_push: true               # false: the hub never pushes stock to it
  stock_skus: listed             # listed (SKUs with a listing id for it) or all
  stock_calls_per_second: 2      # default: the connector's own stock_calls_per_second
  stock_burst: 4                 # default: one second's worth of calls (at least 1)
  stock_batch_size: 50           # default and most: the connector's stock_batch_size
  stock_drift_minutes: 60        # drift checks; 0: never
  # polling (services/polling)
  poll_interval_seconds: 300
  shipment_poll_interval_seconds: 300
  lookback_seconds: 120          # a poll's window ends this long before it started
  # returns (domain/returns, services/returns)
  return_window_days: 30         # from delivery; 0: no window
  return_excluded_skus: [GIFT-CARD]
  return_excluded_tags: [final-sale]
  return_shipping_paid_by: buyer # buyer: the return label's cost is kept back from the refund
  restocking_fee_percent: 0
  return_refund_shipping: false  # refund the order's shipping once every unit came back
  return_refurbish_location: refurb   # where `refurbish` units go (offered to no channel)
  return_location: main          # where return labels send parcels; default: the order's
  exchange_release: on_receipt   # an exchange's new order ships once the return is received
                                 # (on_receipt) or at once (at_once); its stock is reserved
  # after-sales (services/complaints)
  complaint_sla_hours: 48        # a complaint on its orders is due this long after it opened
  # buyer mail (hub.notifications): the events mailed (all, none, or a list of
  # hub.domain.notifications.MailEvent); default: all for the call centre and generic
  # channels, none for shopify, woocommerce and square; amazon and ebay refuse any
  notify: [order_confirmed, shipped, delivered]
  templates: nordlicht           # the brand folder under HUB_TEMPLATES; default: the code
  mail_from: "Nordlicht <shop@nordlicht.example>"   # default: HUB_MAIL_FROM
```
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from hub.domain.ats import ChannelRules
from hub.domain.notifications import ALL_EVENTS, MailEvent, notify_default
from hub.domain.payments import ReleaseWhen
from hub.domain.returns import ExchangeRelease, PaidBy, ReturnPolicy

Units = Annotated[int, msgspec.Meta(ge=0)]
Percent = Annotated[int, msgspec.Meta(ge=0, le=100)]
Positive = Annotated[float, msgspec.Meta(gt=0)]
NotNegative = Annotated[float, msgspec.Meta(ge=0)]
Policy = Literal["hold", "backorder"]
Notify = Literal["all", "none"] | frozenset[MailEvent]
Brand = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
InvoiceOn = Literal["paid", "shipped", "never"]
S = TypeVar("S", bound=msgspec.Struct)


class HubSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A connection's settings as the hub reads them, each with its default."""

    stock_locations: frozenset[str] | None = None
    stock_buffer: Units = 0
    stock_share: Percent | None = None
    stock_cap: Units | None = None
    hold_back_below_days_of_cover: NotNegative | None = None
    stock_policy: Policy = "hold"
    release_when: ReleaseWhen | None = None  # None: the connector's default, else "paid"
    invoice_on: InvoiceOn = "shipped"
    stock_push: bool = True
    stock_skus: Literal["listed", "all"] = "listed"
    stock_calls_per_second: Positive | None = None
    stock_burst: Positive | None = None
    stock_batch_size: Annotated[int, msgspec.Meta(ge=1)] | None = None
    stock_drift_minutes: NotNegative = 60.0
    poll_interval_seconds: Positive = 300.0
    shipment_poll_interval_seconds: Positive = 300.0
    lookback_seconds: NotNegative = 120.0
    return_window_days: Units = 30
    return_excluded_skus: frozenset[str] = frozenset()
    return_excluded_tags: frozenset[str] = frozenset()
    return_shipping_paid_by: PaidBy = "buyer"
    restocking_fee_percent: Percent = 0
    return_refund_shipping: bool = False
    return_refurbish_location: str | None = None
    return_location: str | None = None
    exchange_release: ExchangeRelease = "on_receipt"

    def return_policy(self) -> ReturnPolicy:
        """The channel's return policy (``domain.returns``)."""
        return ReturnPolicy(
            window_days=self.return_window_days,
            excluded_skus=self.return_excluded_skus,
            excluded_tags=self.return_excluded_tags,
            shipping_paid_by=self.return_shipping_paid_by,
            restocking_fee_percent=self.restocking_fee_percent,
            refund_shipping=self.return_refund_shipping,
            refurbish_location=self.return_refurbish_location,
            exchange_release=self.exchange_release,
        )

    complaint_sla_hours: Positive = 48.0
    notify: Notify | None = None  # None: the connector's default (notify_default)
    templates: Brand | None = None  # None: the connection's code
    mail_from: Annotated[str, msgspec.Meta(max_length=300)] | None = None

    def notify_events(self, connector: str) -> frozenset[str]:
        """The mail events this connection sends (``notify``, else its connector's default)."""
        if self.notify is None:
            return notify_default(connector)
        if self.notify == "all":
            return ALL_EVENTS
        if self.notify == "none":
            return frozenset()
        return frozenset(self.notify)

    def rules(self) -> ChannelRules:
        """What the channel may see of the stock (``domain.ats``)."""
        return ChannelRules(
            locations=self.stock_locations,
            buffer=self.stock_buffer,
            share=self.stock_share,
            cap=self.stock_cap,
            hold_back_below_days=self.hold_back_below_days_of_cover,
        )


#: the keys of a connection's ``settings`` that are the hub's
HUB_KEYS = frozenset(f.encode_name for f in msgspec.structs.fields(HubSettings))


class SettingsError(ValueError):
    """A setting that cannot be used: ``key`` (empty when the error is about the whole
    mapping, e.g. a required key missing) and ``reason``; the message is both, e.g.
    ``stock_share: Expected `int` <= 100``."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}" if key else reason)
        self.key = key
        self.reason = reason


def hub_settings(settings: Mapping[str, Any]) -> HubSettings:
    """The hub's keys of a connection's ``settings`` (other keys are left alone)."""
    return convert({k: v for k, v in settings.items() if k in HUB_KEYS}, HubSettings)


def convert(values: Mapping[str, Any], kind: type[S]) -> S:
    """``values`` as a ``kind`` Struct; ``SettingsError`` naming the key when one is wrong."""
    try:
        return msgspec.convert(dict(values), kind)
    except msgspec.ValidationError as exc:
        reason, _, path = str(exc).partition(" - at `$")
        key = path.rstrip("`").lstrip(".")
        raise SettingsError(key, reason) from None
