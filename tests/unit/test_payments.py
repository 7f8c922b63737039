"""Payment figures from transactions, what a reported status implies, the release check and
the limits of a manual payment or refund (hub.domain.payments)."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from hub.domain.order import Payment, PaymentStatus, PaymentTransaction, TransactionKind
from hub.domain.payments import (
    Summary,
    differs,
    implied,
    manual_error,
    reconcile,
    releasable,
    summarise,
)

NOW = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)
TOTAL = 7015


def tx(
    kind: TransactionKind, amount: int, ref: str | None = None, status: str = "succeeded"
) -> PaymentTransaction:
    return PaymentTransaction(
        kind=kind,
        amount=amount,
        currency="EUR",
        reference=ref or f"{kind}-{amount}",
        status=status,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("transactions", "status"),
    [
        ([], "pending"),
        ([tx("authorization", TOTAL)], "authorized"),
        ([tx("authorization", TOTAL), tx("capture", TOTAL)], "paid"),
        ([tx("capture", 3000)], "authorized"),  # part of the total captured: still open
        ([tx("capture", TOTAL), tx("refund", 1000)], "partially_refunded"),
        ([tx("capture", TOTAL), tx("refund", 0)], "partially_refunded"),  # amount unknown
        ([tx("capture", TOTAL), tx("refund", 5000), tx("refund", 2015)], "refunded"),
        ([tx("authorization", TOTAL), tx("void", TOTAL)], "voided"),
        ([tx("authorization", TOTAL, status="failed")], "failed"),
        ([tx("capture", TOTAL, status="pending")], "pending"),
        ([tx("authorization", TOTAL, status="failed"), tx("capture", TOTAL)], "paid"),
    ],
)
def test_the_status_follows_the_transactions(
    transactions: list[PaymentTransaction], status: PaymentStatus
) -> None:
    assert summarise(transactions, TOTAL).status == status


def test_the_figures() -> None:
    s = summarise(
        [
            tx("authorization", TOTAL),
            tx("capture", TOTAL),
            tx("refund", 1000),
            tx("refund", 500, status="pending"),  # not yet: it does not count
        ],
        TOTAL,
    )
    assert s == Summary(
        status="partially_refunded",
        authorized=TOTAL,
        captured=TOTAL,
        refunded=1000,
        balance_due=0,
        refund_due=0,
    )
    assert summarise([tx("capture", 3000)], TOTAL).balance_due == TOTAL - 3000
    assert summarise([tx("capture", TOTAL + 100)], TOTAL).refund_due == 100  # overpaid


def test_a_cancelled_order_owes_nothing_and_is_owed_its_money_back() -> None:
    s = summarise([tx("capture", TOTAL), tx("refund", 1000)], TOTAL, cancelled=True)
    assert (s.balance_due, s.refund_due) == (0, TOTAL - 1000)
    assert summarise([], TOTAL, cancelled=True).refund_due == 0


@pytest.mark.parametrize(
    ("status", "made"),
    [
        ("pending", []),
        ("paid", [("capture", TOTAL)]),
        ("authorized", [("authorization", TOTAL)]),
        ("refunded", [("capture", TOTAL), ("refund", TOTAL)]),
        ("partially_refunded", [("capture", TOTAL), ("refund", 0)]),
        ("voided", [("authorization", TOTAL), ("void", TOTAL)]),
        ("failed", [("authorization", TOTAL)]),
    ],
)
def test_a_status_alone_implies_what_the_migration_and_channels_record(
    status: PaymentStatus, made: list[tuple[str, int]]
) -> None:
    out = implied(status, [], total=TOTAL, currency="EUR", now=NOW)
    assert [(t.kind, t.amount) for t in out] == made
    assert {t.source for t in out} <= {"status"}
    assert all(t.reference == f"status:{status}" for t in out)
    assert summarise(out, TOTAL).status == status  # the status is kept


def test_a_status_implies_only_what_the_transactions_do_not_show() -> None:
    recorded = [tx("capture", 3000)]
    [top_up] = implied("paid", recorded, total=TOTAL, currency="EUR", now=NOW)
    assert (top_up.kind, top_up.amount) == ("capture", TOTAL - 3000)
    paid = [*recorded, top_up]
    assert implied("paid", paid, total=TOTAL, currency="EUR", now=NOW) == []
    assert implied("pending", paid, total=TOTAL, currency="EUR", now=NOW) == []  # never less
    refunds = implied("partially_refunded", [*paid, tx("refund", 10)], total=TOTAL,
                      currency="EUR", now=NOW)  # fmt: skip
    assert refunds == []


def test_a_top_up_takes_the_next_free_reference() -> None:
    first = implied("paid", [], total=5000, currency="EUR", now=NOW)
    more = implied("paid", first, total=TOTAL, currency="EUR", now=NOW)  # the total grew
    assert [(t.reference, t.amount) for t in more] == [("status:paid#2", TOTAL - 5000)]


def test_a_report_records_each_transaction_once_and_settles_pending_ones() -> None:
    report = Payment(
        status="paid",
        transactions=[
            PaymentTransaction(kind="capture", amount=TOTAL, reference="ch_1", status="pending")
        ],
    )
    first = reconcile(report, [], total=TOTAL, currency="EUR", now=NOW)
    # the pending capture is the one the status means: nothing is added beside it
    assert [(t.reference, t.status) for t in first.new] == [("ch_1", "pending")]
    assert first.new[0].source == "channel" and first.new[0].currency == "EUR"
    assert summarise(first.new, TOTAL).status == "pending"  # until it settles
    again = reconcile(report, first.new, total=TOTAL, currency="EUR", now=NOW)
    assert again.new == [] and again.settled == []
    done = Payment(
        status="paid",
        transactions=[PaymentTransaction(kind="capture", amount=TOTAL, reference="ch_1")],
    )
    later = reconcile(done, first.new, total=TOTAL, currency="EUR", now=NOW)
    assert later.new == [] and later.settled == [(("ch_1", "capture"), "succeeded")]
    failed = [msgspec.structs.replace(first.new[0], status="failed")]
    retry = reconcile(report, failed, total=TOTAL, currency="EUR", now=NOW)
    assert [(t.reference, t.amount) for t in retry.new] == [("status:paid", TOTAL)]


def test_a_transaction_without_reference_is_still_recorded_once() -> None:
    report = Payment(
        status="refunded",
        transactions=[
            PaymentTransaction(kind="capture", amount=TOTAL, at=NOW),
            PaymentTransaction(kind="refund", amount=TOTAL, at=NOW),
        ],
    )
    first = reconcile(report, [], total=TOTAL, currency="EUR", now=NOW)
    assert len(first.new) == 2  # the status adds nothing: the transactions show it
    assert reconcile(report, first.new, total=TOTAL, currency="EUR", now=NOW).new == []


@pytest.mark.parametrize(
    ("when", "transactions", "ok"),
    [
        ("always", [], True),
        ("paid", [], False),
        ("paid", [tx("authorization", TOTAL)], False),
        ("paid", [tx("capture", TOTAL - 1)], False),
        ("paid", [tx("capture", TOTAL)], True),
        ("authorized", [tx("authorization", TOTAL)], True),
        ("authorized", [tx("capture", TOTAL)], True),
        ("authorized", [tx("authorization", TOTAL), tx("void", TOTAL)], False),
    ],
)
def test_release_when(when: str, transactions: list[PaymentTransaction], ok: bool) -> None:
    assert releasable(when, summarise(transactions, TOTAL), TOTAL) is ok  # type: ignore[arg-type]


def test_a_manual_amount_is_checked_against_what_is_due_or_refundable() -> None:
    half = summarise([tx("capture", 3000)], TOTAL)
    assert manual_error("capture", TOTAL - 3000, half) is None
    error = manual_error("capture", TOTAL - 2999, half)
    assert error is not None and error.field == "amount" and "4015" in error.reason
    paid = summarise([tx("capture", TOTAL), tx("refund", 1000)], TOTAL)
    assert manual_error("refund", TOTAL - 1000, paid) is None
    error = manual_error("refund", TOTAL - 999, paid)
    assert error is not None and error.field == "amount" and "6015" in error.reason


def test_a_capture_that_is_not_the_total_differs() -> None:
    assert differs(summarise([tx("capture", 3000)], TOTAL), TOTAL)
    assert not differs(summarise([tx("capture", TOTAL)], TOTAL), TOTAL)
    assert not differs(summarise([], TOTAL), TOTAL)
