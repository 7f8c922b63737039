"""Exact decimal functions for JMESPath: dsum, dadd, dsub, dmul, ddiv, dneg.

JMESPath's own arithmetic (``sum``) works in floats, which cannot carry money. These take
integers, decimal strings or JSON numbers (read through their shortest repr, so ``0.1`` is
exactly one tenth) and return decimal strings. Any result that would need rounding is an
error, never a silently different amount.
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal
from typing import Any

import jmespath
from jmespath import functions

from hub.mapping.errors import show

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_DIV_PLACES = 10
_CONTEXT = decimal.Context(
    prec=60,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)


class DecimalFunctionError(ValueError):
    """A decimal function given something that is not a number, or an inexact result."""


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
    """The built-in JMESPath functions plus the exact decimal ones."""

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


FUNCTIONS = DecimalFunctions()
OPTIONS = jmespath.Options(custom_functions=FUNCTIONS)
