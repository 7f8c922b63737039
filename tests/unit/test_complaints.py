"""Complaints, pure: the state table, the checks on lines and outcomes, the due time, and
what each complaint counts against in the figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.complaint_stats import Complained, Parcel, against, count, rate, rows
from hub.domain.complaints import (
    PENDING,
    TRANSITIONS,
    ComplaintLine,
    ComplaintStatus,
    OutcomeIn,
    due,
    line_errors,
    outcome_errors,
    overdue,
)
from hub.domain.settings import SettingsError, hub_settings

S = ComplaintStatus
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_resolved_and_rejected_are_final_and_every_state_is_in_the_table() -> None:
    assert set(TRANSITIONS) == set(ComplaintStatus)
    assert TRANSITIONS[S.RESOLVED] == TRANSITIONS[S.REJECTED] == frozenset()
    assert {S.RESOLVED, S.REJECTED} <= TRANSITIONS[S.OPEN] & TRANSITIONS[S.ANSWERED]
    assert S.OPEN not in set().union(*TRANSITIONS.values())  # nothing goes back to open
    assert PENDING == {S.OPEN, S.ANSWERED}


def test_due_from_the_sla_and_overdue_only_while_pending() -> None:
    at = due(T0, 48)
    assert at == T0 + timedelta(hours=48)
    assert overdue(S.OPEN, at, at) and overdue(S.ANSWERED, at, at + timedelta(seconds=1))
    assert not overdue(S.OPEN, at, at - timedelta(seconds=1))
    assert not overdue(S.RESOLVED, at, at + timedelta(days=9))


def test_the_sla_is_a_typed_connection_setting_of_48_hours_by_default() -> None:
    assert hub_settings({}).complaint_sla_hours == 48
    assert hub_settings({"complaint_sla_hours": 24}).complaint_sla_hours == 24
    with pytest.raises(SettingsError) as refused:
        hub_settings({"complaint_sla_hours": 0})
    assert refused.value.key == "complaint_sla_hours"


def test_lines_must_be_on_the_order_once_and_within_what_was_ordered() -> None:
    units = {"TEE": 2, "MUG": 1}
    ok = [ComplaintLine(sku="TEE", quantity=2)]
    assert line_errors(ok, units) == []
    bad = [
        ComplaintLine(sku="CAP", quantity=1),
        ComplaintLine(sku="MUG", quantity=2),
        ComplaintLine(sku="MUG", quantity=1),
    ]
    assert [(e.field, e.reason) for e in line_errors(bad, units)] == [
        ("lines[0].sku", "'CAP' is not on the order"),
        ("lines[1].quantity", "2 is more than the 1 ordered"),
        ("lines[2].sku", "'MUG' is named twice"),
    ]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (OutcomeIn(outcome="refund"), ["amount"]),
        (OutcomeIn(outcome="refund", amount=5, voucher_code="X"), ["voucher_code"]),
        (OutcomeIn(outcome="voucher", amount=5), ["voucher_code"]),
        (OutcomeIn(outcome="none", amount=5), ["amount"]),
        (OutcomeIn(outcome="reship"), ["lines"]),  # the complaint named none either
        (OutcomeIn(outcome="none", lines=[ComplaintLine(sku="T", quantity=1)]), ["lines"]),
        (OutcomeIn(outcome="voucher", amount=500, voucher_code="SORRY-5"), []),
        (OutcomeIn(outcome="none"), []),
    ],
)
def test_an_outcome_takes_what_it_needs_and_nothing_else(
    body: OutcomeIn, fields: list[str]
) -> None:
    assert [e.field for e in outcome_errors(body, [])] == fields


def test_a_complaint_counts_against_the_parcels_carrying_what_it_names() -> None:
    parcels = (
        Parcel("DHL", "shipbob-il", frozenset({"TEE"})),
        Parcel("UPS", "own-nj", frozenset({"MUG"})),
    )
    named = Complained(kind="damaged", skus=frozenset({"MUG"}), parcels=parcels,
                       order_skus=frozenset({"TEE", "MUG"}))  # fmt: skip
    assert against(named) == ({"UPS"}, {"own-nj"}, {"MUG"})
    whole = Complained(kind="late", skus=frozenset(), parcels=parcels,
                       order_skus=frozenset({"TEE", "MUG"}))  # fmt: skip
    assert against(whole) == ({"DHL", "UPS"}, {"shipbob-il", "own-nj"}, {"TEE", "MUG"})
    unshipped = Complained(kind="late", skus=frozenset(), parcels=(), order_skus=frozenset())
    assert against(unshipped) == ({"unknown"}, {"unknown"}, {"unknown"})


def test_rates_are_per_thousand_shipped_units_and_none_without_units() -> None:
    parcel = (Parcel("DHL", "main", frozenset({"TEE"})),)
    c = Complained(kind="damaged", skus=frozenset({"TEE"}), parcels=parcel,
                   order_skus=frozenset({"TEE"}))  # fmt: skip
    by_carrier, _, _ = count([c, c, c])
    (row,) = rows(by_carrier, {"DHL": 400})
    assert (row.kind, row.key, row.complaints, row.shipped_units) == ("damaged", "DHL", 3, 400)
    assert row.per_1000_units == 7.5
    assert rate(1, 0) is None and rate(1, 3) == 333.33
