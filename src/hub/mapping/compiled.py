"""A mapping after loading: compiled rules, value tables, and how one rule is evaluated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jmespath.parser import ParsedResult

from hub.mapping.errors import FieldFailure, show
from hub.mapping.expressions import ExpressionError, search
from hub.mapping.fields import Kind
from hub.mapping.spec import Unmapped
from hub.mapping.values import Amounts


def table_key(value: Any) -> str | None:
    """The text a partner value is looked up by: ``"paid"``, ``"1"``, ``"true"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)
    return None


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    values: dict[str, Any]
    unmapped: Unmapped
    default: Any

    def lookup(self, value: Any) -> Any:
        key = table_key(value)
        if key is not None and key in self.values:
            return self.values[key]
        if self.unmapped == "keep":
            return value
        if self.unmapped == "default":
            return self.default
        raise ValueError(f"{show(value)} is not in table {self.name!r}")


@dataclass(frozen=True, slots=True)
class Rule:
    """One canonical field's rule: an expression, then a table, then a default."""

    field: str
    kind: Kind
    source: str
    expression: ParsedResult
    table: Table | None = None
    default: Any = None
    required: bool = False

    def evaluate(self, document: Any, where: str) -> Any:
        """The rule's value on ``document``; errors are FieldFailures naming ``where``."""
        try:
            value = search(self.expression, document)
        except ExpressionError as exc:
            raise FieldFailure(where, str(exc)) from None
        if value is not None and self.table is not None:
            try:
                value = self.table.lookup(value)
            except ValueError as exc:
                raise FieldFailure(where, str(exc)) from None
        if value is None:
            value = self.default
        if value is None and self.required:
            raise FieldFailure(where, f"required, but {self.source!r} gave null")
        return value


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything a mapping file says, compiled and checked."""

    name: str
    description: str
    path: Path
    amounts: Amounts
    currency: Rule
    order: tuple[Rule, ...]
    lines_each: ParsedResult
    lines: tuple[Rule, ...]
    state: Rule | None
    transactions_each: ParsedResult | None = None
    transactions: tuple[Rule, ...] = ()
