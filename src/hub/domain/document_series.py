"""Document series: who issues invoices, receipts and credit notes, under which numbers.

They live in the ``HUB_CONFIG`` file beside the connections, and are checked at start (a bad
or missing key stops the hub, naming it)::

    documents:
      series:
        - code: inv-eu                  # the series' name (GET /documents?series=inv-eu)
          kind: invoice                 # invoice (and its credit notes) or receipt
          prefix: "INV-2026-"           # numbers: INV-2026-00001, INV-2026-00002 ...
          credit_note_prefix: "CN-2026-"  # its credit notes' own gapless numbers
          digits: 5
          connections: [shopify-eu, callcentre]  # absent: every connection no other serves
          default_tax_rate: "19"        # a line without its own tax_rate
          shipping_tax_rate: "19"       # default: default_tax_rate
          einvoice: true                # embed the EN 16931 XML (needs seller.vat_id)
          payment_days: 14              # an unpaid B2B invoice is due this many days after
          footer: "Amtsgericht Charlottenburg HRB 123456"
          seller:
            name: Kiez Supply GmbH
            address: {line1: Torstraße 1, city: Berlin, postal_code: "10119", country: DE}
            vat_id: DE123456789
            tax_id: 37/123/45678
            iban: DE02120300000000202051
            bic: BYLADEM1001
            logo: /etc/hub/logo.png     # optional, PNG or JPEG
        - code: till-berlin
          kind: receipt
          prefix: "BER-"
          locations: [store-berlin]     # a point-of-sale location's own receipts
          default_tax_rate: "19"
          seller: {...}

Pure: the logo's file is checked by the loader (``hub.connections``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

import msgspec

from hub.domain.documents import DocumentKind, Seller
from hub.domain.order import Address
from hub.domain.settings import SettingsError, convert
from hub.domain.taxes import RateError, normal_rate

SeriesKind = Literal["invoice", "receipt"]
Code = Annotated[str, msgspec.Meta(pattern="^[a-z0-9][a-z0-9_-]{0,47}$")]
Prefix = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
#: what a credit note's counter is called beside its series' own
CREDIT_SUFFIX = ":credit"


class SellerIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Text
    address: Address
    vat_id: Text | None = None
    tax_id: Text | None = None
    iban: Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$")] | None = None
    bic: Annotated[str, msgspec.Meta(pattern="^[A-Z0-9]{8}([A-Z0-9]{3})?$")] | None = None
    bank_name: Text | None = None
    email: Text | None = None
    phone: Text | None = None
    logo: Text | None = None  # a PNG or JPEG file


class SeriesIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One series as configured."""

    code: Code
    kind: SeriesKind = "invoice"
    prefix: Prefix
    credit_note_prefix: Prefix | None = None  # default: prefix + "CN-"
    digits: Annotated[int, msgspec.Meta(ge=1, le=12)] = 5
    connections: list[str] | None = None
    locations: list[str] = []
    default_tax_rate: str
    shipping_tax_rate: str | None = None
    einvoice: bool = True
    payment_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 14
    footer: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    seller: SellerIn

    def number(self, seq: int, kind: DocumentKind) -> str:
        """The document number for the ``seq``-th document of ``kind`` in this series."""
        prefix = self.credit_prefix if kind == "credit_note" else self.prefix
        return f"{prefix}{seq:0{self.digits}d}"

    @property
    def credit_prefix(self) -> str:
        return self.credit_note_prefix or f"{self.prefix}CN-"

    def counter(self, kind: DocumentKind) -> str:
        """The counter a document of ``kind`` takes its number from (gapless each)."""
        return self.code + (CREDIT_SUFFIX if kind == "credit_note" else "")

    def issuer(self) -> Seller:
        """The seller block of this series' documents."""
        s = self.seller
        return Seller(
            name=s.name, address=s.address, vat_id=s.vat_id, tax_id=s.tax_id, iban=s.iban,
            bic=s.bic, bank_name=s.bank_name, email=s.email, phone=s.phone, logo_path=s.logo,
            footer=self.footer,
        )  # fmt: skip


class _DocumentsIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    series: list[SeriesIn] = []


class DocumentSeries:
    """Every configured series, and which one serves a channel or a till."""

    def __init__(self, series: Iterable[SeriesIn] = ()) -> None:
        self.series = {s.code: s for s in series}

    def get(self, code: str) -> SeriesIn | None:
        return self.series.get(code)

    def for_channel(self, channel: str) -> SeriesIn | None:
        """The invoice series that serves ``channel`` (one naming it, else one naming none)."""
        invoices = [s for s in self.series.values() if s.kind == "invoice"]
        named = [s for s in invoices if s.connections is not None and channel in s.connections]
        if named:
            return named[0]
        return next((s for s in invoices if s.connections is None), None)

    def for_location(self, location: str) -> SeriesIn | None:
        """The receipt series of a point-of-sale location."""
        return next(
            (s for s in self.series.values() if s.kind == "receipt" and location in s.locations),
            None,
        )


def parse_series(raw: Mapping[str, Any] | None, connections: Iterable[str]) -> DocumentSeries:
    """The ``documents:`` mapping checked; ``SettingsError`` names the key that is wrong
    (relative to ``documents``), e.g. ``series[0].seller.vat_id``."""
    if raw is None:
        return DocumentSeries()
    parsed = convert(raw, _DocumentsIn)
    known = set(connections)
    seen_codes: set[str] = set()
    served: dict[str, str] = {}
    everyone: str | None = None
    prefixes: dict[str, str] = {}
    for i, s in enumerate(parsed.series):
        at = f"series[{i}]"
        if s.code in seen_codes:
            raise SettingsError(f"{at}.code", f"{s.code!r} is defined twice")
        seen_codes.add(s.code)
        for key, prefix in (("prefix", s.prefix), ("credit_note_prefix", s.credit_prefix)):
            if prefix in prefixes:  # two counters would give out the same numbers
                raise SettingsError(f"{at}.{key}", f"{prefix!r} is used by {prefixes[prefix]}")
            prefixes[prefix] = f"series {s.code!r}"
        _check_rates(at, s)
        if s.kind == "invoice" and s.einvoice and not s.seller.vat_id:
            raise SettingsError(
                f"{at}.seller.vat_id", "an e-invoice series (einvoice: true) needs the VAT id"
            )
        if s.kind == "receipt":
            if not s.locations:
                raise SettingsError(f"{at}.locations", "a receipt series names its locations")
            continue
        if s.connections is None:
            if everyone is not None:
                raise SettingsError(
                    f"{at}.connections", f"series {everyone!r} already serves the rest"
                )
            everyone = s.code
        for j, code in enumerate(s.connections or []):
            if code not in known:
                raise SettingsError(f"{at}.connections[{j}]", f"no connection {code!r}")
            if code in served:
                raise SettingsError(
                    f"{at}.connections[{j}]", f"{code!r} is served by series {served[code]!r}"
                )
            served[code] = s.code
    return DocumentSeries(parsed.series)


def _check_rates(at: str, s: SeriesIn) -> None:
    for name in ("default_tax_rate", "shipping_tax_rate"):
        value = getattr(s, name)
        if value is None:
            continue
        try:
            normal_rate(value)
        except RateError as exc:
            raise SettingsError(f"{at}.{name}", str(exc)) from None
