"""Compiling JMESPath expressions once, at load time, and evaluating them with our functions.

A syntax error, an unknown function or a wrong number of arguments is found when the mapping
loads, not when the first order arrives.
"""

from __future__ import annotations

import warnings
from typing import Any

import jmespath
from jmespath import exceptions
from jmespath.lexer import Lexer
from jmespath.parser import ParsedResult

from hub.mapping.errors import show
from hub.mapping.functions import FUNCTIONS, OPTIONS
from hub.mapping.times import FunctionError


class ExpressionError(ValueError):
    """An expression that does not compile, or fails on a document; the message is one line."""


def compile_expression(text: str, *, functions: Any = FUNCTIONS) -> ParsedResult:
    """Parse ``text`` and check every function it calls exists and gets the right arguments
    (``functions``: a ``jmespath.functions.Functions`` with the callable set; the mapping
    engine's own by default)."""
    if not text.strip():
        raise ExpressionError("empty JMESPath expression")
    try:
        with warnings.catch_warnings():  # the lexer warns; compile() caches and would not
            warnings.simplefilter("error", PendingDeprecationWarning)
            list(Lexer().tokenize(text))
        parsed = jmespath.compile(text)
    except PendingDeprecationWarning:
        raise ExpressionError(
            f"invalid JMESPath {text!r}: a string literal is written 'text' or `\"text\"`, "
            "not `text`"
        ) from None
    except exceptions.LexerError as exc:
        raise ExpressionError(
            f"invalid JMESPath {text!r}: {exc.message} at position {exc.lex_position}"
        ) from None
    except exceptions.ParseError as exc:
        where = f"at position {exc.lex_position}"
        token = f" {exc.token_value!r}" if exc.token_value is not None else " end of expression"
        raise ExpressionError(f"invalid JMESPath {text!r}: unexpected{token} {where}") from None
    _check_calls(parsed.parsed, functions)
    return parsed


def _check_calls(node: dict[str, Any], functions: Any) -> None:
    if node.get("type") == "function_expression":
        name = node["value"]
        spec = functions.FUNCTION_TABLE.get(name)
        if spec is None:
            raise ExpressionError(f"unknown function {name}()")
        wanted = len(spec["signature"])
        given = len(node["children"])
        variadic = bool(spec["signature"]) and spec["signature"][-1].get("variadic")
        if (given < wanted) if variadic else (given != wanted):
            plural = "" if wanted == 1 else "s"
            least = "at least " if variadic else ""
            raise ExpressionError(f"{name}() takes {least}{wanted} argument{plural}, {given} given")
    for child in node.get("children", []):
        if isinstance(child, dict):
            _check_calls(child, functions)


def search(expression: ParsedResult, document: Any) -> Any:
    """Evaluate a compiled expression; a failure is an ExpressionError without the document."""
    try:
        return expression.search(document, options=OPTIONS)
    except FunctionError as exc:
        raise ExpressionError(str(exc)) from None
    except exceptions.JMESPathTypeError as exc:
        expected = " or ".join(exc.expected_types)
        raise ExpressionError(
            f"{exc.function_name}() got {exc.actual_type}, expected {expected}"
        ) from None
    except exceptions.JMESPathError as exc:
        raise ExpressionError(f"{type(exc).__name__}: {show(str(exc), 120)}") from None
