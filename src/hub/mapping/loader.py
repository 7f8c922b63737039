"""Loading one mapping file into a Plan: validate every key, compile every expression.

Every error is a MappingError naming the file and the key, e.g.
``mappings/shopify_order.yaml: order.payment.status: unknown table 'pay'``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn, TypeVar, get_args

import msgspec
from jmespath.parser import ParsedResult

from hub.infra.yaml import YamlFileError, read_yaml
from hub.mapping.compiled import Plan, Rule, Table, table_key
from hub.mapping.errors import MappingError, locate, show
from hub.mapping.expressions import ExpressionError, compile_expression
from hub.mapping.fields import (
    NOT_MAPPED,
    Kind,
    line_fields,
    order_fields,
    required_line_fields,
    required_transaction_fields,
    transaction_fields,
)
from hub.mapping.spec import MappingFile, RuleObject, TableFile, Unmapped
from hub.mapping.values import Amounts

S = TypeVar("S", bound=msgspec.Struct)
_RULE_HINT = "{path, table, default, required}"
_CHOICES = {"amounts": get_args(Amounts), "unmapped": get_args(Unmapped)}


def display(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, as people type it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _suggest(name: str, known: Iterable[str]) -> str:
    inside = [k for k in known if k.startswith(f"{name}.")]
    if inside:
        return f"; map its fields ({', '.join(inside[:3])}{' ...' if len(inside) > 3 else ''})"
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return f"{type(value).__name__} {show(value)}"


class _Compiler:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = display(path)
        self.tables: dict[str, Table] = {}

    def fail(self, key: str, reason: str) -> NoReturn:
        raise MappingError(self.where, key, reason)

    def convert(self, raw: Any, kind: type[S], key: str) -> S:
        try:
            return msgspec.convert(raw, kind)
        except msgspec.ValidationError as exc:
            field, reason = locate(
                exc, key, unknown="unknown key", missing="required key is missing"
            )
            choices = _CHOICES.get(field.rpartition(".")[2])
            if choices and reason.startswith("invalid enum value"):
                reason += f"; expected one of {', '.join(choices)}"
            self.fail(field or "file", reason)

    def expression(self, key: str, text: str) -> ParsedResult:
        try:
            return compile_expression(text)
        except ExpressionError as exc:
            self.fail(key, str(exc))

    def names(self, key: str, section: dict[Any, Any]) -> list[tuple[str, Any]]:
        for name in section:
            if not isinstance(name, str):
                self.fail(key, f"key {show(name)} must be a string")
        return list(section.items())

    def table(self, name: str, raw: Any) -> Table:
        key = f"tables.{name}"
        spec = self.convert(raw, TableFile, key)
        values: dict[str, Any] = {}
        for k, v in spec.values.items():
            text = table_key(k)
            if text is None:
                self.fail(f"{key}.values", f"key {show(k)} must be a string or a whole number")
            if text in values:
                self.fail(f"{key}.values", f"key {text!r} is given twice")
            if not (v is None or isinstance(v, str | int)):
                self.fail(f"{key}.values.{text}", "expected a text, number or true/false value")
            values[text] = v
        if spec.unmapped == "default" and spec.default is None:
            self.fail(f"{key}.default", "required when unmapped is default")
        return Table(name, values, spec.unmapped, spec.default)

    def rule(self, key: str, field: str, kind: Kind, raw: Any) -> Rule:
        if isinstance(raw, str):
            spec = RuleObject(path=raw)
        elif isinstance(raw, dict):
            spec = self.convert(raw, RuleObject, key)
        else:
            self.fail(
                key,
                f"expected a JMESPath string or {_RULE_HINT}, got {_describe(raw)}; "
                'write a literal in backquotes, e.g. "`true`"',
            )
        table = None
        if spec.table is not None:
            table = self.tables.get(spec.table)
            if table is None:
                self.fail(key, f"unknown table {spec.table!r}")
        expression = self.expression(key, spec.path)
        return Rule(field, kind, spec.path, expression, table, spec.default, spec.required)

    def order(self, section: dict[Any, Any]) -> tuple[Rule, ...]:
        known = order_fields()
        rules = []
        for name, raw in self.names("order", section):
            key = f"order.{name}"
            refused = NOT_MAPPED.get(name) or NOT_MAPPED.get(name.split(".")[0])
            if refused:
                self.fail(key, refused)
            if name not in known:
                self.fail(key, f"unknown canonical field {name!r}{_suggest(name, known)}")
            rules.append(self.rule(key, name, known[name], raw))
        return tuple(rules)

    def each(
        self,
        part: str,
        section: dict[Any, Any],
        known: dict[str, Kind],
        required: tuple[str, ...],
    ) -> tuple[Rule, ...]:
        """The ``fields`` rules of a ``lines`` or ``transactions`` section."""
        rules = []
        what = "line" if part == "lines" else "transaction"
        for name, raw in self.names(f"{part}.fields", section):
            key = f"{part}.fields.{name}"
            if name not in known:
                self.fail(key, f"unknown {what} field {name!r}; one of {', '.join(known)}")
            rules.append(self.rule(key, name, known[name], raw))
        for name in required:
            if name not in section:
                self.fail(f"{part}.fields.{name}", "required canonical field is not mapped")
        return tuple(rules)

    def plan(self) -> Plan:
        try:
            raw = read_yaml(self.path)
        except YamlFileError as exc:
            self.fail(exc.where, exc.reason)
        except OSError as exc:
            self.fail("file", exc.strerror or type(exc).__name__)
        if not isinstance(raw, dict):
            self.fail("file", f"expected an object at the top level, got {_describe(raw)}")
        spec = self.convert(raw, MappingFile, "")
        for name, table in self.names("tables", spec.tables):
            self.tables[name] = self.table(name, table)
        return Plan(
            name=spec.name,
            description=spec.description,
            path=self.path,
            amounts=spec.amounts,
            currency=self.rule("currency", "currency", "plain", spec.currency),
            order=self.order(spec.order),
            lines_each=self.expression("lines.each", spec.lines.each),
            lines=self.each("lines", spec.lines.fields, line_fields(), required_line_fields()),
            state=None if spec.state is None else self.rule("state", "state", "plain", spec.state),
            **self.transactions(spec),
        )

    def transactions(self, spec: MappingFile) -> dict[str, Any]:
        section = spec.transactions
        if section is None:
            return {}
        known, required = transaction_fields(), required_transaction_fields()
        return {
            "transactions_each": self.expression("transactions.each", section.each),
            "transactions": self.each("transactions", section.fields, known, required),
        }


def load_plan(path: Path) -> Plan:
    """Read, validate and compile the mapping file at ``path``."""
    return _Compiler(path).plan()
