"""The mapping file format (mappings/README.md) as typed structs, before anything is compiled.

Sections keyed by free names (``order``, ``lines.fields``, ``tables``) are read as plain
dicts here and converted key by key in ``loader``, so that an error names its key.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

MappingName = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")]
Scalar = str | int | bool | None
Unmapped = Literal["error", "default", "keep"]


class RuleObject(Struct, forbid_unknown_fields=True, kw_only=True):
    """``{path, table, default, required}``; a bare string rule is ``{path: <string>}``."""

    path: str
    table: str | None = None
    default: Any = None
    required: bool = False


class TableFile(Struct, forbid_unknown_fields=True, kw_only=True):
    values: dict[Any, Any]
    unmapped: Unmapped = "error"
    default: Scalar = None


class LinesFile(Struct, forbid_unknown_fields=True, kw_only=True):
    each: str
    fields: dict[Any, Any]


class MappingFile(Struct, forbid_unknown_fields=True, kw_only=True):
    name: MappingName
    description: str = ""
    amounts: Literal["decimal", "minor"]
    currency: Any
    order: dict[Any, Any] = {}
    lines: LinesFile
    transactions: LinesFile | None = None  # the payment's transactions: each + fields
    state: Any = None
    tables: dict[Any, Any] = {}
