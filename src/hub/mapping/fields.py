"""The canonical fields a mapping may fill, and how each value is converted.

Derived from the canonical Structs (``OrderData``, ``Line``), so a field added there can be
mapped at once. Money fields are listed by hand, as mappings/README.md lists them.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import msgspec
from msgspec import inspect

from hub.domain.order import Line, OrderData, PaymentTransaction

Kind = Literal["money", "quantity", "datetime", "plain"]

MONEY = frozenset(
    {
        "lines.unit_price",
        "lines.discount",
        "lines.tax",
        "shipping.price",
        "shipping.discount",
        "shipping.tax",
        "totals.subtotal",
        "totals.discount",
        "totals.shipping",
        "totals.tax",
        "totals.total",
        "transactions.amount",
    }
)
_HUB = "is the hub's, worked out from the order's transactions"
NOT_MAPPED = {
    "channel": "channel is never mapped: it is the connection's code",
    "currency": "currency is mapped by the top-level `currency:` key",
    "lines": "lines are mapped in the top-level `lines:` section",
    "payment.transactions": "transactions are mapped in the top-level `transactions:` section",
    **{f"payment.{n}": f"payment.{n} {_HUB}" for n in ("authorized", "captured", "refunded")},
    **{f"payment.{n}": f"payment.{n} {_HUB}" for n in ("balance_due", "refund_due")},
}
#: the hub's own fields of a transaction, never mapped
HUB_TRANSACTION_FIELDS = frozenset({"source", "note"})


def _unwrap(t: inspect.Type) -> inspect.Type:
    if isinstance(t, inspect.Metadata):
        return _unwrap(t.type)
    if isinstance(t, inspect.UnionType):
        members = [m for m in t.types if not isinstance(m, inspect.NoneType)]
        if len(members) == 1:
            return _unwrap(members[0])
    return t


def _kind(key: str, t: inspect.Type) -> Kind:
    if key in MONEY:
        return "money"
    if key == "lines.quantity":
        return "quantity"
    return "datetime" if isinstance(_unwrap(t), inspect.DateTimeType) else "plain"


@cache
def order_fields() -> dict[str, Kind]:
    """Every dotted canonical field an ``order:`` rule may name, with its kind."""
    out: dict[str, Kind] = {}
    info = inspect.type_info(OrderData)
    assert isinstance(info, inspect.StructType)
    for f in info.fields:
        if f.name in NOT_MAPPED:
            continue
        t = _unwrap(f.type)
        if isinstance(t, inspect.StructType):
            for sub in t.fields:
                key = f"{f.name}.{sub.name}"
                if key not in NOT_MAPPED:
                    out[key] = _kind(key, sub.type)
        else:
            out[f.name] = _kind(f.name, f.type)
    return out


@cache
def line_fields() -> dict[str, Kind]:
    """Every field a ``lines.fields`` rule may name, with its kind."""
    info = inspect.type_info(Line)
    assert isinstance(info, inspect.StructType)
    return {f.name: _kind(f"lines.{f.name}", f.type) for f in info.fields}


@cache
def transaction_fields() -> dict[str, Kind]:
    """Every field a ``transactions.fields`` rule may name, with its kind."""
    info = inspect.type_info(PaymentTransaction)
    assert isinstance(info, inspect.StructType)
    return {
        f.name: _kind(f"transactions.{f.name}", f.type)
        for f in info.fields
        if f.name not in HUB_TRANSACTION_FIELDS
    }


@cache
def required_transaction_fields() -> tuple[str, ...]:
    return tuple(f.name for f in msgspec.structs.fields(PaymentTransaction) if f.required)


@cache
def required_line_fields() -> tuple[str, ...]:
    """Line fields without a default: a mapping that leaves one out can never succeed."""
    return tuple(f.name for f in msgspec.structs.fields(Line) if f.required)
