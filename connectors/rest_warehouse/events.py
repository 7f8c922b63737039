"""A warehouse's shipment webhook body to the hub's ``ShipmentReport``s, by the mapping's
``confirmation`` section.

``shipments`` gives the array of parcels (absent: the body is one parcel). Every other field
is evaluated on one parcel, with the whole body reachable as ``_root`` (``=_root.ref``).
Statuses go through the mapping's ``status_map`` (``hub.sdk.tracking_status``); without a
map, a partner status that is already a hub status is kept. Errors are ``MappingError``s
naming the mapping and the field, never quoting the body.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import msgspec

from connectors.rest_warehouse.expressions import Expr, ExpressionError, search
from connectors.rest_warehouse.mapping import Confirmation, WarehouseMapping
from hub.sdk import (
    TRACKING_STATUSES,
    MappingError,
    ParcelLine,
    ShipmentReport,
    TrackingStatus,
    tracking_status,
)

ROOT = "_root"
TEXT_FIELDS = ("partner_shipment_id", "carrier", "service", "tracking_number", "tracking_url")


class _Fail(Exception):
    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason


def reports_from_body(mapping: WarehouseMapping, body: bytes) -> list[ShipmentReport]:
    """The parcels one webhook body reports."""
    confirmation = mapping.confirmation
    if confirmation is None:
        raise MappingError(mapping.where, "confirmation", "the mapping has no confirmation")
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise MappingError(mapping.name, "body", "the webhook body is not JSON") from None
    if not isinstance(document, dict):
        raise MappingError(mapping.name, "body", "expected a JSON object")
    parcels: Any = [document]
    if confirmation.shipments is not None:
        parcels = _value(confirmation.shipments, document, "shipments", mapping)
        if not isinstance(parcels, list) or not all(isinstance(p, dict) for p in parcels):
            raise MappingError(
                mapping.name, "confirmation.shipments", "expected objects in an array"
            )
    reports = []
    for i, parcel in enumerate(parcels):
        try:
            reports.append(_report(confirmation, {**parcel, ROOT: document}))
        except _Fail as exc:
            where = f"confirmation.{exc.field}"
            if confirmation.shipments is not None:
                where += f" (shipment {i})"
            raise MappingError(mapping.name, where, exc.reason) from None
    return reports


def _value(expression: Expr, document: Any, field: str, mapping: WarehouseMapping) -> Any:
    try:
        return search(expression.parsed, document)
    except ExpressionError as exc:
        raise MappingError(mapping.name, f"confirmation.{field}", str(exc)) from None


def _get(confirmation: Confirmation, field: str, parcel: dict[str, Any]) -> Any:
    rule = confirmation.fields.get(field)
    if not isinstance(rule, Expr):
        return rule  # a literal text, or None when not mapped
    try:
        return search(rule.parsed, parcel)
    except ExpressionError as exc:
        raise _Fail(field, str(exc)) from None


def _text(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _Fail(field, f"expected a text or a whole number, got {type(value).__name__}")


def _lines(value: Any) -> list[ParcelLine]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Fail("lines", f"expected an array of {{sku, quantity}}, got {type(value).__name__}")
    lines = []
    for j, item in enumerate(value):
        if not isinstance(item, dict):
            raise _Fail(f"lines[{j}]", "expected an object {sku, quantity}")
        sku = _text(item.get("sku"), f"lines[{j}].sku")
        if sku is None:
            raise _Fail(f"lines[{j}].sku", "missing")
        quantity = item.get("quantity")
        if isinstance(quantity, str) and quantity.strip().isdecimal():
            quantity = int(quantity)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise _Fail(f"lines[{j}].quantity", "expected a whole number of at least 1")
        lines.append(ParcelLine(sku=sku, quantity=quantity))
    return lines


def _datetime(value: Any, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _Fail(field, "expected an ISO 8601 date or date-time text")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _Fail(field, "expected an ISO 8601 date or date-time text") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)  # a warehouse without a zone: taken as UTC
    return parsed.astimezone(UTC)


def _date(value: Any, field: str) -> date | None:
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise _Fail(field, "expected an ISO 8601 date or date-time text") from None
    moment = _datetime(value, field)
    return None if moment is None else moment.date()


def _status(confirmation: Confirmation, raw: str | None) -> TrackingStatus:
    if "status" not in confirmation.fields:
        return "in_transit"  # a confirmation webhook says the parcel has left
    if confirmation.status_map:
        return tracking_status(confirmation.status_map, raw)
    code = (raw or "").strip().lower()
    return code if code in TRACKING_STATUSES else "unknown"  # type: ignore[return-value]


def _report(confirmation: Confirmation, parcel: dict[str, Any]) -> ShipmentReport:
    ref = _text(_get(confirmation, "fulfilment_ref", parcel), "fulfilment_ref")
    if ref is None:
        raise _Fail("fulfilment_ref", "missing: every report needs the hub's fulfilment id")
    raw_status = _text(_get(confirmation, "status", parcel), "status")
    detail = _text(_get(confirmation, "detail", parcel), "detail") or raw_status
    texts = {f: _text(_get(confirmation, f, parcel), f) for f in TEXT_FIELDS}
    return ShipmentReport(
        fulfilment_ref=ref,
        status=_status(confirmation, raw_status),
        lines=_lines(_get(confirmation, "lines", parcel)),
        shipped_at=_datetime(_get(confirmation, "shipped_at", parcel), "shipped_at"),
        estimated_delivery=_date(
            _get(confirmation, "estimated_delivery", parcel), "estimated_delivery"
        ),
        detail=detail,
        **texts,
    )
