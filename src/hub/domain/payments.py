"""Payments, pure: what an order's transactions add up to, what a channel's payment status
implies when it sends no transactions for it, which reported transactions are new, whether an
order may be released, and how much a manual payment or refund may be.

Amounts are integer minor units of the order's currency. Only ``succeeded`` transactions
count towards the figures; a ``pending`` one is shown and counts once it succeeds.

- ``authorized``: authorizations less voids (never below 0);
- ``captured``, ``refunded``: the sums of captures and refunds;
- ``balance_due``: ``total - captured`` (never below 0; 0 once the order is cancelled);
- ``refund_due``: what was captured and not refunded beyond what the order keeps: all of
  it once the order is cancelled, else what was paid over the total.

The status (the values the canonical order always had): ``refunded`` when refunds cover
the captures, ``partially_refunded`` when some refund was recorded, ``paid`` when the
captures cover the total, ``authorized`` while money is authorized or only part of the total
is captured, ``voided`` when an authorization was voided and nothing else holds, ``failed``
when the only transactions failed, else ``pending``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal, get_args

import msgspec

from hub.domain.order import (
    FieldError,
    Payment,
    PaymentStatus,
    PaymentTransaction,
    TransactionKind,
)

ReleaseWhen = Literal["paid", "authorized", "always"]
RELEASE_WHEN: tuple[str, ...] = get_args(ReleaseWhen)
#: the reason an order waits on hold until its money arrives
AWAITING_PAYMENT = "awaiting_payment"
#: the reference prefix of a transaction implied by a reported payment status
STATUS_REFERENCE = "status:"


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    """An order's payment figures, derived from its recorded transactions."""

    status: PaymentStatus
    authorized: int = 0
    captured: int = 0
    refunded: int = 0
    balance_due: int = 0
    refund_due: int = 0

    @classmethod
    def of(cls, payment: Payment) -> Summary:
        """The figures an order shows (``Order.payment``; one never summed counts as 0)."""

        def n(value: int | msgspec.UnsetType) -> int:
            return 0 if isinstance(value, msgspec.UnsetType) else value

        return cls(
            status=payment.status,
            authorized=n(payment.authorized),
            captured=n(payment.captured),
            refunded=n(payment.refunded),
            balance_due=n(payment.balance_due),
            refund_due=n(payment.refund_due),
        )

    def payment(
        self, transactions: list[PaymentTransaction] | msgspec.UnsetType = msgspec.UNSET
    ) -> Payment:
        return Payment(
            status=self.status,
            transactions=transactions,
            authorized=self.authorized,
            captured=self.captured,
            refunded=self.refunded,
            balance_due=self.balance_due,
            refund_due=self.refund_due,
        )


def figures(
    status: str, authorized: int, captured: int, refunded: int, total: int, *, cancelled: bool
) -> Summary:
    """The summary of stored figures (the order row keeps status and sums)."""
    kept = 0 if cancelled else total
    return Summary(
        status=status,  # type: ignore[arg-type]  # one of PaymentStatus, as stored
        authorized=authorized,
        captured=captured,
        refunded=refunded,
        balance_due=0 if cancelled else max(0, total - captured),
        refund_due=max(0, captured - refunded - kept),
    )


def summarise(
    transactions: Iterable[PaymentTransaction], total: int, *, cancelled: bool = False
) -> Summary:
    """What ``transactions`` add up to for an order of ``total``."""
    sums: dict[str, int] = dict.fromkeys(get_args(TransactionKind), 0)
    seen: set[str] = set()
    failed = False
    for t in transactions:
        if t.status == "succeeded":
            sums[t.kind] += t.amount
            seen.add(t.kind)
        failed = failed or t.status == "failed"
    authorized = max(0, sums["authorization"] - sums["void"])
    captured, refunded = sums["capture"], sums["refund"]
    status = _status(authorized, captured, refunded, total, seen, failed)
    return figures(status, authorized, captured, refunded, total, cancelled=cancelled)


def _status(
    authorized: int, captured: int, refunded: int, total: int, seen: set[str], failed: bool
) -> PaymentStatus:
    if captured > 0:
        if "refund" in seen:
            return "refunded" if refunded >= captured else "partially_refunded"
        return "paid" if captured >= total else "authorized"
    if authorized > 0:
        return "authorized"
    if "void" in seen:
        return "voided"
    return "failed" if failed and not seen else "pending"


def releasable(when: ReleaseWhen, summary: Summary, total: int) -> bool:
    """Whether an order may go to fulfilment under its channel's ``release_when``:
    ``paid`` (captured covers the total), ``authorized`` (authorized or captured money
    covers it) or ``always``."""
    if when == "always":
        return True
    if when == "authorized":
        return max(summary.authorized, summary.captured) >= total
    return summary.captured >= total


def key(t: PaymentTransaction) -> tuple[str, str]:
    """What makes a transaction the same one when it is reported again: (reference, kind)."""
    return (t.reference or "", t.kind)


def referenced(t: PaymentTransaction, *, currency: str, now: datetime) -> PaymentTransaction:
    """A channel's transaction as it is recorded: in the order's currency, with a time, and
    with a reference (one it lacks is made from its kind, amount and time, so the same
    report twice is one transaction)."""
    at = t.at or now
    reference = t.reference or f"{t.kind}:{t.amount}:{at.isoformat()}"
    return msgspec.structs.replace(
        t, currency=currency, at=at, reference=reference, source="channel"
    )


class Changes(msgspec.Struct, frozen=True, kw_only=True):
    """What a report adds: new transactions, and recorded pending ones that now settled
    (their key and new status)."""

    new: list[PaymentTransaction]
    settled: list[tuple[tuple[str, str], str]]


def reconcile(
    reported: Payment,
    recorded: Sequence[PaymentTransaction],
    *,
    total: int,
    currency: str,
    now: datetime,
) -> Changes:
    """What a channel's (or a caller's) report of an order's payment adds to ``recorded``.

    Its transactions are recorded once each by (reference, kind); a recorded ``pending`` one
    that is now reported settled takes its new status. Then, where the reported status says
    more than the transactions show (``paid`` with nothing captured; a refund with no refund
    recorded), the difference is recorded as transactions implied by the status
    (``implied``). A report never takes anything away: transactions are never deleted.
    """
    by_key = {key(t): t for t in recorded}
    new: list[PaymentTransaction] = []
    settled: list[tuple[tuple[str, str], str]] = []
    given = reported.transactions
    for t in [] if isinstance(given, msgspec.UnsetType) else given:
        t = referenced(t, currency=currency, now=now)
        known = by_key.get(key(t))
        if known is None:
            by_key[key(t)] = t
            new.append(t)
        elif known.status == "pending" and t.status != "pending":
            by_key[key(t)] = msgspec.structs.replace(known, status=t.status)
            settled.append((key(t), t.status))
    extra = implied(reported.status, list(by_key.values()), total=total, currency=currency, now=now)
    return Changes(new=new + extra, settled=settled)


#: what a status implies: (kind, amount, transaction status, note)
_Gap = tuple[TransactionKind, int, str, str]
_UNKNOWN_REFUND = "the channel reported a partial refund without its amount"


def implied(
    status: PaymentStatus,
    recorded: Sequence[PaymentTransaction],
    *,
    total: int,
    currency: str,
    now: datetime,
) -> list[PaymentTransaction]:
    """The transactions a reported ``status`` implies beyond ``recorded``, each referenced
    ``status:<status>`` (``#2``, ``#3`` when that one is taken) and marked ``source:
    status``. ``paid`` tops the captures up to the total; ``refunded`` tops the refunds up
    to the captures; ``partially_refunded`` with no refund recorded adds a refund of 0 (its
    amount unknown); ``authorized``, ``voided`` and ``failed`` add an authorization of the
    total (succeeded, then voided, or failed) when nothing shows them. ``pending``: nothing.
    A pending transaction counts here as if settled, so the status never adds what it will
    bring (a capture reported pending with the status paid is one capture, not two).
    """
    taken = {key(t) for t in recorded}
    out: list[PaymentTransaction] = []
    for kind, amount, state, note in _gaps(status, recorded, total):
        base = f"{STATUS_REFERENCE}{status}"
        reference, n = base, 1
        while (reference, kind) in taken:
            n += 1
            reference = f"{base}#{n}"
        taken.add((reference, kind))
        made = PaymentTransaction(
            kind=kind,
            amount=amount,
            currency=currency,
            reference=reference,
            at=now,
            status=state,  # type: ignore[arg-type]  # succeeded or failed
            source="status",
            note=note or msgspec.UNSET,
        )
        out.append(made)
    return out


def _gaps(status: PaymentStatus, recorded: Sequence[PaymentTransaction], total: int) -> list[_Gap]:
    """What ``status`` says beyond ``recorded`` (pending ones counted as settled)."""
    counted = [msgspec.structs.replace(t, status="succeeded") if t.status == "pending" else t
               for t in recorded]  # fmt: skip
    s = summarise(counted, total)
    kinds = {t.kind for t in counted if t.status == "succeeded"}
    out: list[_Gap] = []
    captured = s.captured
    if status == "paid" and captured < total:
        out.append(("capture", total - captured, "succeeded", ""))
    elif status in ("partially_refunded", "refunded") and captured == 0 and total > 0:
        out.append(("capture", total, "succeeded", ""))
        captured = total
    if status == "refunded" and s.refunded < captured:
        out.append(("refund", captured - s.refunded, "succeeded", ""))
    elif status == "partially_refunded" and "refund" not in kinds:
        out.append(("refund", 0, "succeeded", _UNKNOWN_REFUND))
    elif status in ("authorized", "voided") and captured == 0 and s.authorized == 0:
        if status == "authorized" or "void" not in kinds:
            out.append(("authorization", total, "succeeded", ""))
            if status == "voided":
                out.append(("void", total, "succeeded", ""))
    elif status == "voided" and captured == 0 and s.authorized > 0:
        out.append(("void", s.authorized, "succeeded", ""))
    elif status == "failed" and not kinds and not any(t.status == "failed" for t in recorded):
        out.append(("authorization", total, "failed", ""))
    return out


ManualKind = Literal["capture", "refund"]


def manual_error(kind: ManualKind, amount: int, summary: Summary) -> FieldError | None:
    """Why a manual ``kind`` of ``amount`` cannot be recorded (None: it can). A payment
    may take at most the balance due; a refund at most what was captured and not refunded."""
    if kind == "capture" and amount > summary.balance_due:
        return FieldError(
            "amount",
            f"{amount} is more than the balance due ({summary.balance_due}: the total less "
            f"the {summary.captured} captured)",
        )
    refundable = summary.captured - summary.refunded
    if kind == "refund" and amount > refundable:
        return FieldError(
            "amount",
            f"{amount} is more than can be refunded ({refundable}: the {summary.captured} "
            f"captured less the {summary.refunded} refunded)",
        )
    return None


def differs(summary: Summary, total: int) -> bool:
    """Money was captured and it is not the order's total: an operator should look."""
    return summary.captured > 0 and summary.captured != total
