"""The mapping engine's JMESPath functions, besides JMESPath's own.

- Exact decimals: dsum, dadd, dsub, dmul, ddiv, dneg. JMESPath's own arithmetic (``sum``)
  works in floats, which cannot carry money. These take integers, decimal strings or JSON
  numbers (read through their shortest repr, so ``0.1`` is exactly one tenth) and return
  decimal strings. Any result that would need rounding is an error, never a silently
  different amount.
- Dates and times (``hub.mapping.times``): unix_time, unix_time_ms, parse_time, local_time.
- The document: ``root()`` is the whole partner document, also inside ``lines.fields`` where
  ``@`` is one line; ``lookup(object, key)`` is ``object[key]`` for a key computed from the
  document (JMESPath cannot index by a computed key).
"""

from __future__ import annotations

import contextvars
import decimal
import re
from decimal import Decimal
from typing import Any

import jmespath
from jmespath import functions

from hub.mapping.errors import show
from hub.mapping.times import FunctionError, from_unix, parse

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_DIV_PLACES = 10
_CONTEXT = decimal.Context(
    prec=60,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)


class DecimalFunctionError(FunctionError):
    """A decimal function given something that is not a number, or an inexact result."""


#: the document being mapped, for ``root()``; set by ``document_root`` around a build
_ROOT: contextvars.ContextVar[Any] = contextvars.ContextVar("hub_mapping_root", default=None)


class document_root:
    """``with document_root(doc):`` makes ``root()`` give ``doc`` in this context."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self._token: contextvars.Token[Any] | None = None

    def __enter__(self) -> None:
        self._token = _ROOT.set(self.document)

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _ROOT.reset(self._token)


def to_decimal(value: Any, function: str) -> Decimal:
    """A number or decimal string as an exact Decimal; anything else is an error."""
    if isinstance(value, bool) or value is None:
        raise DecimalFunctionError(f"{function}(): {show(value)} is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        value = repr(value)  # the shortest text that reads back as this float: "0.1", not 0.1000...
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return Decimal(value.strip())
    if isinstance(value, Decimal) and value.is_finite():
        return value
    raise DecimalFunctionError(f"{function}(): {show(value)} is not a decimal number")


def to_text(value: Decimal) -> str:
    """A Decimal as plain text, never in exponent form and never ``-0``."""
    return format(abs(value) if value == 0 else value, "f")


def _exact(function: str, operation: str, a: Any, b: Any) -> Decimal:
    """``a <operation> b`` (a Context method name), refusing any result that needs rounding."""
    x, y = to_decimal(a, function), to_decimal(b, function)
    try:
        with decimal.localcontext(_CONTEXT) as context:  # flags stay per call and per thread
            result: Decimal = getattr(context, operation)(x, y)
            return result.normalize(context) if operation == "divide" else result
    except decimal.DivisionByZero:
        raise DecimalFunctionError(f"{function}(): division by zero") from None
    except decimal.Inexact:
        raise DecimalFunctionError(f"{function}(): the result is not exact") from None
    except decimal.DecimalException as exc:
        raise DecimalFunctionError(f"{function}(): {type(exc).__name__}") from None


class DecimalFunctions(functions.Functions):
    """The built-in JMESPath functions plus the mapping engine's (see the module)."""

    @functions.signature({"types": ["array", "null"]})
    def _func_dsum(self, values: list[Any] | None) -> str:
        total = Decimal(0)
        for item in values or []:
            total = _exact("dsum", "add", total, item)
        return to_text(total)

    @functions.signature({"types": []}, {"types": []})
    def _func_dadd(self, a: Any, b: Any) -> str:
        return to_text(_exact("dadd", "add", a, b))

    @functions.signature({"types": []}, {"types": []})
    def _func_dsub(self, a: Any, b: Any) -> str:
        return to_text(_exact("dsub", "subtract", a, b))

    @functions.signature({"types": []}, {"types": []})
    def _func_dmul(self, a: Any, b: Any) -> str:
        return to_text(_exact("dmul", "multiply", a, b))

    @functions.signature({"types": []}, {"types": []})
    def _func_ddiv(self, a: Any, b: Any) -> str:
        quotient = _exact("ddiv", "divide", a, b)
        exponent = quotient.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -_DIV_PLACES:
            raise DecimalFunctionError(
                f"ddiv(): the result has more than {_DIV_PLACES} decimal places"
            )
        return to_text(quotient)

    @functions.signature({"types": []})
    def _func_dneg(self, a: Any) -> str:
        return to_text(-to_decimal(a, "dneg"))

    @functions.signature({"types": ["number", "string"]})
    def _func_unix_time(self, seconds: Any) -> str:
        return from_unix(seconds, 1, "unix_time")

    @functions.signature({"types": ["number", "string"]})
    def _func_unix_time_ms(self, milliseconds: Any) -> str:
        return from_unix(milliseconds, 1000, "unix_time_ms")

    @functions.signature(
        {"types": ["string"]}, {"types": ["string"]}, {"types": ["string", "null"]}
    )
    def _func_parse_time(self, text: str, fmt: str, zone: str | None) -> str:
        return parse(text, fmt, zone, "parse_time")

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_local_time(self, text: str, zone: str) -> str:
        return parse(text, None, zone, "local_time")

    @functions.signature()
    def _func_root(self) -> Any:
        return _ROOT.get()

    @functions.signature({"types": ["object", "null"]}, {"types": ["string", "number", "null"]})
    def _func_lookup(self, table: dict[str, Any] | None, key: Any) -> Any:
        if table is None or key is None:
            return None
        return table.get(key if isinstance(key, str) else str(key))


FUNCTIONS = DecimalFunctions()
OPTIONS = jmespath.Options(custom_functions=FUNCTIONS)
