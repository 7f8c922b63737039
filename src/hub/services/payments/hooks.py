"""``payments_changed``: where other parts of the hub react to an order's money.

Every change to an order's payment transactions calls each registered listener, in the
transaction that made the change, with a ``PaymentsChanged``: a new order that came with its
payment (``before`` is None), a channel's report that added or settled transactions, a manual
payment or refund. A listener writes what it needs (an invoice job when an order is paid, a
credit note after a refund) in that same transaction, so it is never lost and never done for
a change that rolled back; an exception from it rolls the change back.

Listeners are registered by name from the composition root (``hub.bootstrap``), so
registering the same one again replaces it::

    hooks.listen("documents", issue_on_payment)

The timeline records the same facts (``payment`` entries), for whoever prefers to read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from hub.domain.lifecycle import OrderStatus
from hub.domain.order import PaymentTransaction
from hub.domain.payments import Summary


@dataclass(frozen=True, slots=True)
class PaymentsChanged:
    """One change to an order's payment: the figures before (None for a new order) and
    after, the transactions it added (and those that settled), who and when."""

    order_id: str
    order_status: OrderStatus
    currency: str
    total: int
    before: Summary | None
    after: Summary
    added: tuple[PaymentTransaction, ...]
    actor: str
    at: datetime

    @property
    def became_paid(self) -> bool:
        """The captures now cover the total, and did not before (``invoice_on: paid``)."""
        was = self.before.captured if self.before is not None else 0
        return self.after.captured >= self.total > was

    @property
    def refunds(self) -> tuple[PaymentTransaction, ...]:
        """The refunds this change recorded (a credit note's reason)."""
        return tuple(t for t in self.added if t.kind == "refund")


Listener = Callable[[Connection, PaymentsChanged], None]
_listeners: dict[str, Listener] = {}


def listen(name: str, listener: Listener) -> None:
    """Call ``listener`` on every payment change from now on (one per ``name``)."""
    _listeners[name] = listener


def forget(name: str) -> None:
    _listeners.pop(name, None)


def payments_changed(conn: Connection, change: PaymentsChanged) -> None:
    """Tell every listener, in the caller's transaction."""
    for listener in list(_listeners.values()):
        listener(conn, change)
