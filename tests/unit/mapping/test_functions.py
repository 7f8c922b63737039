"""The exact decimal JMESPath functions: dsum, dadd, dsub, dmul, ddiv, dneg."""

from __future__ import annotations

import re
from typing import Any

import jmespath
import pytest

from hub.mapping.expressions import ExpressionError, compile_expression, search

LONG = "1." + "0" * 35 + "1"  # its square needs more digits than the context keeps


def run(expression: str, document: Any = None) -> Any:
    return search(compile_expression(expression), document)


def test_dsum_adds_decimal_strings_exactly() -> None:
    assert run("dsum(a[].amount)", {"a": [{"amount": "29.00"}, {"amount": "1.50"}]}) == "30.50"


def test_dsum_of_json_floats_does_not_fall_into_the_float_trap() -> None:
    doc = {"a": [0.1, 0.2]}
    assert jmespath.search("sum(a)", doc) == 0.30000000000000004  # what JMESPath's own does
    assert run("dsum(a)", doc) == "0.3"
    assert run("dsum(a)", {"a": [0.1] * 10}) == "1.0"


def test_dsum_of_nothing_is_zero() -> None:
    assert run("dsum(a)", {"a": []}) == "0"
    assert run("dsum(missing)", {}) == "0"
    assert run("dsum(a[].x)", {"a": [{"y": 1}]}) == "0"  # the projection drops nulls


@pytest.mark.parametrize(
    ("expression", "result"),
    [
        ('dadd(`"19.99"`, `"0.01"`)', "20.00"),
        ('dadd(`1`, `"2.5"`)', "3.5"),
        ('dsub(`"10.00"`, `"10.00"`)', "0.00"),
        ('dsub(`"1"`, `"1.25"`)', "-0.25"),
        ('dmul(`"16.20"`, `2`)', "32.40"),
        ('dmul(`"1e2"`, `"1.5"`)', "150"),  # never exponent form
        ('ddiv(`"25.98"`, `2`)', "12.99"),
        ('ddiv(`"36.00"`, `"2"`)', "18"),
        ("ddiv(`1`, `1024`)", "0.0009765625"),  # exactly 10 places
        ('dneg(`"4.90"`)', "-4.90"),
        ('dneg(`"0.00"`)', "0.00"),  # never -0
    ],
)
def test_arithmetic_is_exact(expression: str, result: str) -> None:
    assert run(expression) == result


def test_values_come_from_the_document() -> None:
    doc = {"subtotal": "81.00", "quantity": 2, "tax": 0.1}
    assert run("ddiv(subtotal, quantity)", doc) == "40.5"
    assert run("dadd(subtotal, tax)", doc) == "81.10"


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("ddiv(`1`, `3`)", "ddiv(): the result is not exact"),
        ("ddiv(`1`, `2048`)", "more than 10 decimal places"),
        ("ddiv(`1`, `0`)", "ddiv(): division by zero"),
        ('dadd(`"1.0"`, `"abc"`)', "'abc' is not a decimal number"),
        ('dadd(`"NaN"`, `1`)', "'NaN' is not a decimal number"),
        ("dsum(`[true]`)", "dsum(): True is not a number"),
        ("dneg(missing)", "dneg(): None is not a number"),
        (f'dmul(`"{LONG}"`, `"{LONG}"`)', "dmul(): the result is not exact"),
    ],
)
def test_a_bad_or_inexact_operand_is_an_error(expression: str, reason: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(reason)):
        run(expression)
