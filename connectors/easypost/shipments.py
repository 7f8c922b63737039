"""EasyPost shipments on the wire: the create-shipment body, its rates, and a bought label.

Pure functions, no I/O. Units: EasyPost wants inches and ounces as decimals; the hub has
whole millimetres and grams. Both are converted with integer arithmetic and rounded *up* to
0.1 (a parcel declared a little large is rated correctly; one declared too small is
surcharged by the carrier afterwards).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from connectors.easypost.settings import EasyPostSettings
from hub.sdk import (
    Address,
    Customer,
    FatalError,
    Label,
    LabelRequest,
    MoneyError,
    Parcel,
    Rate,
    RetriableError,
    to_minor,
)

#: 1 inch = 25.4 mm exactly, as 254 tenths of a millimetre
_TENTH_MM_PER_INCH = 254
#: 1 avoirdupois ounce = 28.349523125 g exactly, in nanograms
_NANOGRAMS_PER_OUNCE = 28_349_523_125
#: the URL field of a PostageLabel for each label format, before the generic ``label_url``
_LABEL_URL_FIELDS = {"PNG": "label_url", "PDF": "label_pdf_url", "ZPL": "label_zpl_url"}

_encoder = msgspec.json.Encoder(decimal_format="number")


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def inches(millimetres: int) -> Decimal:
    """Whole millimetres to inches, rounded up to 0.1 (``100`` -> ``3.94`` -> ``4.0``)."""
    tenths = _ceil_div(millimetres * 100, _TENTH_MM_PER_INCH)
    return Decimal(tenths).scaleb(-1)


def ounces(grams: int) -> Decimal:
    """Whole grams to ounces, rounded up to 0.1 (``1000`` -> ``35.27`` -> ``35.3``)."""
    tenths = _ceil_div(grams * 10 * 10**9, _NANOGRAMS_PER_OUNCE)
    return Decimal(tenths).scaleb(-1)


def _address(address: Address, customer: Customer | None = None) -> dict[str, Any]:
    customer = customer or Customer()
    fields = {
        "name": address.name or customer.name,
        "company": address.company,
        "street1": address.line1,
        "street2": address.line2,
        "city": address.city,
        "state": address.region,
        "zip": address.postal_code,
        "country": address.country,
        "phone": address.phone or customer.phone,
        "email": customer.email,
    }
    return {k: v for k, v in fields.items() if v is not None}


def _parcel(parcel: Parcel) -> dict[str, Decimal]:
    if parcel.weight_grams <= 0:
        raise FatalError("a parcel needs a positive weight")
    out: dict[str, Decimal] = {}
    dimensions = {
        "length": parcel.length_mm,
        "width": parcel.width_mm,
        "height": parcel.height_mm,
    }
    # EasyPost rates a parcel by all three dimensions or by weight alone
    sizes = {name: mm for name, mm in dimensions.items() if mm is not None and mm > 0}
    if len(sizes) == len(dimensions):
        out.update({name: inches(mm) for name, mm in sizes.items()})
    out["weight"] = ounces(parcel.weight_grams)
    return out


def shipment_body(request: LabelRequest, settings: EasyPostSettings) -> dict[str, Any]:
    """The ``POST /v2/shipments`` body for ``request`` (decimals as ``Decimal``). A return
    label keeps the outbound addresses and says ``is_return``: EasyPost swaps them."""
    shipment: dict[str, Any] = {
        "reference": request.reference,
        "from_address": _address(request.ship_from),
        "to_address": _address(request.ship_to, request.customer),
        "parcel": _parcel(request.parcel),
        "options": {"label_format": settings.label_format},
    }
    if request.is_return:
        shipment["is_return"] = True
    return {"shipment": shipment}


def encode(body: dict[str, Any]) -> bytes:
    """JSON with decimals as exact JSON numbers (``4.0``, never a float's ``3.9370078``)."""
    return _encoder.encode(body)


# --------------------------------------------------------------------------- answers


class WireRate(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    carrier: str
    service: str
    rate: str  # a decimal string, "7.58"
    currency: str
    shipment_id: str | None = None
    est_delivery_days: int | None = None


class PostageLabel(msgspec.Struct, frozen=True, kw_only=True):
    label_url: str | None = None
    label_pdf_url: str | None = None
    label_zpl_url: str | None = None
    label_file_type: str | None = None


class TrackerRef(msgspec.Struct, frozen=True, kw_only=True):
    id: str | None = None
    public_url: str | None = None


class Shipment(msgspec.Struct, frozen=True, kw_only=True):
    """What the connector reads of an EasyPost Shipment object."""

    id: str
    rates: list[WireRate] = []
    tracking_code: str | None = None
    selected_rate: WireRate | None = None
    postage_label: PostageLabel | None = None
    tracker: TrackerRef | None = None

    @property
    def bought(self) -> bool:
        return bool(self.tracking_code and self.postage_label and self.selected_rate)


def decode_shipment(content: bytes, what: str) -> Shipment:
    """A Shipment answer. JSON of another shape (partner drift) is a FatalError naming the
    call; an answer that is not JSON at all (empty, a proxy's page) is retried later."""
    try:
        return msgspec.json.decode(content, type=Shipment)
    except msgspec.ValidationError as exc:  # a DecodeError too: this one first
        raise FatalError(f"{what}: the answer is not a shipment ({exc})") from None
    except msgspec.DecodeError:
        raise RetriableError(f"{what}: the answer is not JSON") from None


def _minor(rate: WireRate) -> int:
    try:
        return to_minor(rate.rate, rate.currency)
    except MoneyError as exc:
        raise FatalError(f"easypost rate {rate.id!r}: {exc}") from None


def rates(shipment: Shipment) -> list[Rate]:
    """The shipment's quotes, amounts in exact minor units, as EasyPost ordered them."""
    return [
        Rate(
            id=r.id,
            shipment_id=shipment.id,
            carrier=r.carrier,
            service=r.service,
            amount=_minor(r),
            currency=r.currency,
            est_delivery_days=r.est_delivery_days,
        )
        for r in shipment.rates
    ]


def label_url(shipment: Shipment, label_format: str) -> str | None:
    """The label document's URL in ``label_format``, else the generic ``label_url``."""
    postage = shipment.postage_label
    if postage is None:
        return None
    own = getattr(postage, _LABEL_URL_FIELDS.get(label_format, "label_url"))
    return own or postage.label_url


def label(shipment: Shipment, label_format: str, document: bytes | None = None) -> Label:
    """The Label of a bought shipment; one that is not bought is a FatalError."""
    selected = shipment.selected_rate
    if not shipment.bought or selected is None or shipment.tracking_code is None:
        raise FatalError(f"easypost shipment {shipment.id!r} holds no bought label")
    tracker = shipment.tracker or TrackerRef()
    return Label(
        carrier=selected.carrier,
        service=selected.service,
        tracking_number=shipment.tracking_code,
        label_url=label_url(shipment, label_format),
        label=document,
        label_format=label_format.lower(),
        tracking_url=tracker.public_url,
        tracker_id=tracker.id,
        amount=_minor(selected),
        currency=selected.currency,
    )
