"""Evaluating a Plan on one document: the canonical order, its totals, and its validation."""

from __future__ import annotations

from typing import Any, cast, get_args

import msgspec
from jmespath.parser import ParsedResult

from hub.domain.channel import ChannelOrder, ChannelState
from hub.domain.money import MoneyError, exponent
from hub.domain.order import OrderData, check
from hub.mapping.compiled import Plan, Rule
from hub.mapping.errors import FieldFailure, locate, show
from hub.mapping.expressions import ExpressionError, search
from hub.mapping.functions import document_root
from hub.mapping.totals import fill_totals
from hub.mapping.values import convert

STATES: tuple[str, ...] = get_args(ChannelState)


def _value(rule: Rule, document: Any, where: str, plan: Plan, currency: str) -> Any:
    value = rule.evaluate(document, where)
    try:
        return convert(rule.kind, value, plan.amounts, currency)
    except ValueError as exc:
        raise FieldFailure(where, str(exc)) from None


def _currency(plan: Plan, document: Any) -> str:
    currency = plan.currency.evaluate(document, "currency")
    if not isinstance(currency, str):
        raise FieldFailure("currency", f"expected an ISO 4217 code, got {show(currency)}")
    try:
        exponent(currency)
    except MoneyError as exc:
        raise FieldFailure("currency", str(exc)) from None
    return currency


def _each(
    plan: Plan,
    part: str,
    each: ParsedResult,
    rules: tuple[Rule, ...],
    document: Any,
    currency: str,
) -> list[dict[str, Any]]:
    """The ``fields`` of every element ``each`` finds (``lines``, ``transactions``)."""
    try:
        items = search(each, document)
    except ExpressionError as exc:
        raise FieldFailure(part, str(exc)) from None
    if items is None:
        items = []
    if not isinstance(items, list):
        raise FieldFailure(part, f"{part}.each gave {type(items).__name__}, not an array")
    return [
        {r.field: _value(r, item, f"{part}[{i}].{r.field}", plan, currency) for r in rules}
        for i, item in enumerate(items)
    ]


def _transactions(plan: Plan, document: Any, currency: str) -> list[dict[str, Any]] | None:
    """The payment's transactions, when the mapping has a ``transactions`` section."""
    if plan.transactions_each is None:
        return None
    found = _each(plan, "transactions", plan.transactions_each, plan.transactions, document,
                  currency)  # fmt: skip
    return [{"currency": currency} | {k: v for k, v in t.items() if v is not None} for t in found]


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    """``{"customer.name": x}`` -> ``{"customer": {"name": x}}``, nulls left out.

    An object whose mapped fields are all null is left out too (an in-store sale has no
    ship-to), so the canonical default applies.
    """
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        head, _, rest = key.partition(".")
        if rest:
            out.setdefault(head, {})[rest] = value
        else:
            out[key] = value
    return out


def _validate(data: dict[str, Any]) -> OrderData:
    try:
        order = msgspec.convert(data, OrderData)
    except msgspec.ValidationError as exc:
        field, reason = locate(
            exc, unknown="not a canonical field", missing="required, but the mapping gave null"
        )
        if "got `int`" in reason and "`str" in reason:
            reason += " (wrap the path in to_string())"
        raise FieldFailure(field or "order", reason) from None
    errors = check(order)
    if errors:
        first, *rest = errors
        also = "".join(f"; also {e.field}: {e.reason}" for e in rest)
        raise FieldFailure(first.field, first.reason + also)
    return order


def _state(plan: Plan, document: Any) -> ChannelState:
    if plan.state is None:
        return "open"
    state = plan.state.evaluate(document, "state")
    if state is None:
        return "open"
    if state not in STATES:
        raise FieldFailure("state", f"{show(state)} is not one of {', '.join(STATES)}")
    return cast(ChannelState, state)


def build(plan: Plan, document: Any, *, channel: str) -> ChannelOrder:
    """The canonical order ``document`` stands for; a FieldFailure names the field at fault."""
    with document_root(document):
        return _build(plan, document, channel=channel)


def _build(plan: Plan, document: Any, *, channel: str) -> ChannelOrder:
    currency = _currency(plan, document)
    values = {r.field: _value(r, document, r.field, plan, currency) for r in plan.order}
    lines = _each(plan, "lines", plan.lines_each, plan.lines, document, currency)
    fill_totals(values, lines)
    data = _nest(values)
    data.update(
        channel=channel,
        currency=currency,
        lines=[{k: v for k, v in line.items() if v is not None} for line in lines],
    )
    transactions = _transactions(plan, document, currency)
    if transactions is not None:
        data.setdefault("payment", {})["transactions"] = transactions
    order = _validate(data)
    return ChannelOrder(order=order, state=_state(plan, document))
