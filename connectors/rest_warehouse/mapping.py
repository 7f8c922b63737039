"""Warehouse mapping files: where they are, their format, and loading them compiled.

A warehouse mapping is ``<mappings dir>/warehouse/<name>.yaml`` (or ``.yml``), where the
mappings dir is found as the hub finds order mappings: ``$HUB_MAPPINGS_DIR``, else the
mappings inside an installed wheel (``hub/_mappings``), else the checkout's ``mappings/``.
They sit in the ``warehouse/`` subfolder because every ``*.yaml`` directly in the mappings
dir is loaded as an order mapping (and one that is not would fail the whole set).

Files are read with YAML 1.2 booleans (only true/false; ``NO`` and ``on`` stay strings) and
a duplicate key is an error. A file is compiled once and loaded again when it changes.
Every error is a ``MappingError`` naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.rest_warehouse.expressions import (
    Expr,
    TemplateError,
    compile_template,
    expression_of,
)
from hub.sdk import (
    TRACKING_STATUSES,
    MappingError,
    Reloading,
    TrackingStatus,
    YamlFileError,
    mappings_dir,
    parse_yaml,
)

SUBFOLDER = "warehouse"
#: the confirmation fields a mapping may set, besides shipments / status_map
REPORT_FIELDS = (
    "fulfilment_ref",
    "partner_shipment_id",
    "status",
    "carrier",
    "service",
    "tracking_number",
    "tracking_url",
    "lines",
    "shipped_at",
    "estimated_delivery",
    "detail",
)
TOP_KEYS = ("name", "description", "request", "partner_ref", "lookup_ref", "confirmation")


@dataclass(frozen=True, slots=True)
class Confirmation:
    """How one webhook body becomes shipment reports."""

    shipments: Expr | None  # the array of parcels; None: the body is one parcel
    fields: dict[str, Any]  # report field -> Expr or a literal value
    status_map: dict[str, TrackingStatus]  # lower-cased partner status -> hub status


@dataclass(frozen=True, slots=True)
class WarehouseMapping:
    name: str
    where: str  # the file, for errors
    request: Any  # compiled template over the FulfilmentRequest as JSON
    partner_ref: Expr  # over the create answer
    lookup_ref: Expr  # over the lookup answer
    confirmation: Confirmation | None


# --------------------------------------------------------------------------- where


def mapping_path(name: str) -> Path:
    """``warehouse/<name>.yaml`` (or ``.yml``) in the mappings folder."""
    folder = mappings_dir() / SUBFOLDER
    for suffix in (".yaml", ".yml"):
        candidate = folder / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    raise MappingError(str(folder / f"{name}.yaml"), "file", "no such warehouse mapping file")


def load_mapping(name: str) -> WarehouseMapping:
    """The mapping called ``name``, compiled (again only when its file changed)."""
    path = mapping_path(name)
    watched = _watched.get(path)
    if watched is None:
        watched = Reloading(lambda: [path], lambda: compile_mapping(path), every=0.0)
        _watched[path] = watched
    return watched.get()


_watched: dict[Path, Reloading[WarehouseMapping]] = {}


# --------------------------------------------------------------------------- reading


def _read(path: Path, where: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise MappingError(where, "file", "not UTF-8 text") from None
    except OSError as exc:
        raise MappingError(where, "file", exc.strerror or type(exc).__name__) from None
    try:
        return parse_yaml(text)
    except YamlFileError as exc:
        raise MappingError(where, exc.where, exc.reason) from None


# --------------------------------------------------------------------------- compiling


def compile_mapping(path: Path) -> WarehouseMapping:
    """Read, validate and compile the warehouse mapping file at ``path``."""
    where = str(path)
    raw = _read(path, where)
    if not isinstance(raw, dict):
        raise MappingError(where, "file", "expected keys request, partner_ref, confirmation")
    for key in raw:
        if key not in TOP_KEYS:
            raise MappingError(where, str(key), f"unknown key; one of {', '.join(TOP_KEYS)}")
    name = raw.get("name", path.stem)
    if name != path.stem:
        raise MappingError(where, "name", f"must be the file's name {path.stem!r}")
    if "request" not in raw:
        raise MappingError(where, "request", "required key is missing")
    try:
        request = compile_template("request", raw["request"])
        partner_ref = _expression(where, "partner_ref", raw.get("partner_ref"))
        lookup_ref = (
            _expression(where, "lookup_ref", raw["lookup_ref"])
            if "lookup_ref" in raw
            else partner_ref
        )
    except TemplateError as exc:
        raise MappingError(where, exc.key, exc.reason) from None
    confirmation = raw.get("confirmation")
    return WarehouseMapping(
        name=name,
        where=where,
        request=request,
        partner_ref=partner_ref,
        lookup_ref=lookup_ref,
        confirmation=None if confirmation is None else _confirmation(where, confirmation),
    )


def _expression(where: str, key: str, value: Any) -> Expr:
    if value is None:
        raise MappingError(where, key, "required key is missing")
    try:
        found = expression_of(key, value)
    except TemplateError as exc:
        raise MappingError(where, exc.key, exc.reason) from None
    if found is None:
        raise MappingError(where, key, 'expected a JMESPath expression written "=path"')
    return found


def _confirmation(where: str, raw: Any) -> Confirmation:
    if not isinstance(raw, dict):
        raise MappingError(where, "confirmation", "expected an object of report fields")
    known = ("shipments", "status_map", *REPORT_FIELDS)
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        full = f"confirmation.{key}"
        if key not in known:
            raise MappingError(where, full, f"unknown key; one of {', '.join(known)}")
        if key in ("shipments", "status_map"):
            continue
        try:
            found = expression_of(full, value)
        except TemplateError as exc:
            raise MappingError(where, exc.key, exc.reason) from None
        if found is None and key in ("fulfilment_ref", "lines"):
            raise MappingError(where, full, 'expected a JMESPath expression written "=path"')
        if found is None and not (value is None or isinstance(value, str)):
            raise MappingError(where, full, 'expected "=path" or a text')
        fields[key] = found if found is not None else value
    if "fulfilment_ref" not in fields:
        raise MappingError(where, "confirmation.fulfilment_ref", "required key is missing")
    shipments = None
    if raw.get("shipments") is not None:
        shipments = _expression(where, "confirmation.shipments", raw["shipments"])
    return Confirmation(
        shipments=shipments, fields=fields, status_map=_status_map(where, raw.get("status_map"))
    )


def _status_map(where: str, raw: Any) -> dict[str, TrackingStatus]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise MappingError(where, "confirmation.status_map", "expected partner status: status")
    out: dict[str, TrackingStatus] = {}
    for code, status in raw.items():
        key = f"confirmation.status_map.{code}"
        if not isinstance(code, str | int) or isinstance(code, bool):
            raise MappingError(where, key, "a partner status must be a text or a number")
        if status not in TRACKING_STATUSES:
            raise MappingError(
                where, key, f"{status!r} is not one of {', '.join(TRACKING_STATUSES)}"
            )
        out[str(code).strip().lower()] = status
    return out
