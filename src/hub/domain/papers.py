"""Warehouse papers: the content of a pick list and of a packing slip.

A pick list covers several open fulfilments of one location: each SKU once, with its total
quantity and the fulfilments it goes to, in the order of the location's bins (a picker walks
the aisles once). A packing slip goes in one parcel: ship-to, lines and quantities, prices
unless the order is a gift, the public tracking reference and a returns note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from msgspec import Struct

from hub.domain.order import Address

GIFT_TAG = "gift"


class PaperLine(Struct, frozen=True, kw_only=True):
    sku: str
    name: str | None = None
    quantity: int
    unit_price: int = 0  # minor units of the fulfilment's currency


class PaperFulfilment(Struct, frozen=True, kw_only=True):
    """What the papers need of one fulfilment (the lead maps the stored one into this)."""

    id: str
    order_number: str
    public_ref: str
    ship_to: Address | None = None
    recipient: str | None = None  # the customer's name when the address has none
    lines: list[PaperLine]
    currency: str
    tags: list[str] = []
    carrier: str | None = None
    service: str | None = None


class PickTarget(Struct, frozen=True, kw_only=True):
    fulfilment_id: str
    order_number: str
    quantity: int


class PickRow(Struct, frozen=True, kw_only=True):
    sku: str
    name: str | None
    bin: str | None
    quantity: int
    targets: list[PickTarget]


class PickList(Struct, frozen=True, kw_only=True):
    location: str
    created_at: datetime
    locale: str
    rows: list[PickRow]
    fulfilments: list[str]  # ids, in the order given
    units: int


class SlipLine(Struct, frozen=True, kw_only=True):
    sku: str
    name: str | None
    quantity: int
    unit_price: int | None  # None on a gift slip


class PackingSlip(Struct, frozen=True, kw_only=True):
    fulfilment_id: str
    order_number: str
    public_ref: str
    tracking_url: str | None  # what the QR code holds; the reference alone when None
    created_at: datetime
    locale: str
    sender_name: str | None = None
    sender_address: Address | None = None
    ship_to: Address | None
    recipient: str | None = None
    lines: list[SlipLine]
    currency: str
    gift: bool
    returns_note: str | None = None
    carrier: str | None = None
    service: str | None = None


def bin_key(label: str | None) -> tuple[bool, tuple[tuple[int, int | str], ...]]:
    """Natural order of bin labels: ``A-2`` before ``A-10``; SKUs without a bin come last."""
    if label is None:
        return (True, ())
    parts = re.findall(r"\d+|\D+", label.upper())
    return (False, tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts))


def pick_list(
    location: str,
    fulfilments: Iterable[PaperFulfilment],
    bins: Mapping[str, str] | None = None,
    *,
    created_at: datetime,
    locale: str = "en_GB",
) -> PickList:
    """Each SKU once with its total and the fulfilments it goes to, sorted by bin then SKU."""
    bins = bins or {}
    chosen = list(fulfilments)
    names: dict[str, str | None] = {}
    counts: dict[str, dict[tuple[str, str], int]] = {}  # sku -> (fulfilment, order) -> units
    for f in chosen:
        for line in f.lines:
            names.setdefault(line.sku, line.name)
            per = counts.setdefault(line.sku, {})
            per[(f.id, f.order_number)] = per.get((f.id, f.order_number), 0) + line.quantity
    rows = [
        PickRow(
            sku=sku,
            name=names[sku],
            bin=bins.get(sku),
            quantity=sum(per.values()),
            targets=[
                PickTarget(fulfilment_id=fid, order_number=number, quantity=q)
                for (fid, number), q in per.items()
            ],
        )
        for sku, per in counts.items()
    ]
    rows.sort(key=lambda r: (bin_key(r.bin), r.sku))
    return PickList(
        location=location,
        created_at=created_at,
        locale=locale,
        rows=rows,
        fulfilments=[f.id for f in chosen],
        units=sum(r.quantity for r in rows),
    )


def is_gift(tags: Iterable[str]) -> bool:
    return any(t.strip().lower() == GIFT_TAG for t in tags)


def packing_slip(
    fulfilment: PaperFulfilment,
    *,
    created_at: datetime,
    tracking_url: str | None = None,
    returns_note: str | None = None,
    sender_name: str | None = None,
    sender_address: Address | None = None,
    locale: str = "en_GB",
) -> PackingSlip:
    """The slip for one parcel; a ``gift`` order's slip carries no price."""
    gift = is_gift(fulfilment.tags)
    return PackingSlip(
        fulfilment_id=fulfilment.id,
        order_number=fulfilment.order_number,
        public_ref=fulfilment.public_ref,
        tracking_url=tracking_url,
        created_at=created_at,
        locale=locale,
        sender_name=sender_name,
        sender_address=sender_address,
        ship_to=fulfilment.ship_to,
        recipient=fulfilment.recipient,
        lines=[
            SlipLine(
                sku=x.sku,
                name=x.name,
                quantity=x.quantity,
                unit_price=None if gift else x.unit_price,
            )
            for x in fulfilment.lines
        ],
        currency=fulfilment.currency,
        gift=gift,
        returns_note=returns_note,
        carrier=fulfilment.carrier,
        service=fulfilment.service,
    )
