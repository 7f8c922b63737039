"""JMESPath in warehouse mappings: compiled once, evaluated with two exact money functions,
and JSON templates whose ``"=..."`` strings are expressions.

- ``amount(minor)``: minor units of the request's currency as an exact decimal string
  (1299 USD -> ``"12.99"``, 1500 JPY -> ``"1500"``), by ``hub.sdk.to_decimal_string``.
- ``amount_number(minor)``: the same, sent as a JSON number (``12.99``), never via a float.

A template is any JSON value. A string starting with ``=`` is an expression (``"==x"`` is the
literal ``"=x"``); any other value is sent as written. A key ending in ``?`` is left out when
its value is null (``"address2?": "=ship_to.line2"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import jmespath
from jmespath import exceptions, functions
from jmespath.parser import ParsedResult

from hub.sdk import ExpressionError, MoneyError, to_decimal_string
from hub.sdk import compile_expression as _compile


class _MoneyFunctions(functions.Functions):
    """The built-in functions plus ``amount`` / ``amount_number`` in one currency."""

    def __init__(self, currency: str | None) -> None:
        super().__init__()
        self.currency = currency

    def _amount(self, minor: Any, function: str) -> str:
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise ExpressionError(
                f"{function}() takes whole minor units, got {type(minor).__name__}"
            )
        if not self.currency:
            raise ExpressionError(f"{function}() is only for the request (it needs its currency)")
        try:
            return to_decimal_string(minor, self.currency.upper())
        except MoneyError as exc:
            raise ExpressionError(f"{function}(): {exc}") from None

    @functions.signature({"types": ["number"]})
    def _func_amount(self, minor: Any) -> str:
        return self._amount(minor, "amount")

    @functions.signature({"types": ["number"]})
    def _func_amount_number(self, minor: Any) -> Decimal:
        return Decimal(self._amount(minor, "amount_number"))


_CHECK = _MoneyFunctions(None)


def compile_expression(text: str) -> ParsedResult:
    """Parse ``text``; unknown functions and wrong argument counts are found here, not later."""
    return _compile(text, functions=_CHECK)


def search(expression: ParsedResult, document: Any, *, currency: str | None = None) -> Any:
    """Evaluate ``expression``; a failure is an ExpressionError that quotes no document."""
    options = jmespath.Options(custom_functions=_MoneyFunctions(currency))
    try:
        return expression.search(document, options=options)
    except exceptions.JMESPathTypeError as exc:
        expected = " or ".join(exc.expected_types)
        raise ExpressionError(
            f"{exc.function_name}() got {exc.actual_type}, expected {expected}"
        ) from None
    except exceptions.JMESPathError as exc:
        raise ExpressionError(type(exc).__name__) from None


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True, slots=True)
class Expr:
    key: str  # where it is in the file, for errors
    text: str
    parsed: ParsedResult


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: Any  # a compiled template
    omit_null: bool


@dataclass(frozen=True, slots=True)
class Obj:
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Arr:
    items: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Const:
    value: Any


def expression_of(key: str, value: Any) -> Expr | None:
    """The compiled expression when ``value`` is an ``=...`` string; None for a literal."""
    if not isinstance(value, str) or not value.startswith("=") or value.startswith("=="):
        return None
    try:
        return Expr(key, value[1:], compile_expression(value[1:]))
    except ExpressionError as exc:
        raise TemplateError(key, str(exc)) from None


class TemplateError(ValueError):
    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


def compile_template(key: str, value: Any) -> Any:
    """A JSON template (from YAML) with every expression compiled."""
    if isinstance(value, dict):
        fields = []
        for name, item in value.items():
            if not isinstance(name, str):
                raise TemplateError(key, f"key {name!r} must be a string")
            omit = name.endswith("?")
            out = name[:-1] if omit else name
            fields.append(Field(out, compile_template(f"{key}.{out}", item), omit))
        return Obj(tuple(fields))
    if isinstance(value, list):
        return Arr(tuple(compile_template(f"{key}[{i}]", v) for i, v in enumerate(value)))
    found = expression_of(key, value)
    if found is not None:
        return found
    if isinstance(value, str) and value.startswith("=="):
        return Const(value[1:])
    if value is None or isinstance(value, str | int | float | bool):
        return Const(value)
    raise TemplateError(key, f"a {type(value).__name__} is not a JSON value")


def render(template: Any, document: Any, *, currency: str | None = None) -> Any:
    """The JSON value ``template`` gives for ``document``; TemplateError names the key."""
    if isinstance(template, Obj):
        out: dict[str, Any] = {}
        for field in template.fields:
            value = render(field.value, document, currency=currency)
            if value is None and field.omit_null:
                continue
            out[field.name] = value
        return out
    if isinstance(template, Arr):
        return [render(item, document, currency=currency) for item in template.items]
    if isinstance(template, Expr):
        try:
            return search(template.parsed, document, currency=currency)
        except ExpressionError as exc:
            raise TemplateError(template.key, str(exc)) from None
    assert isinstance(template, Const)
    return template.value
