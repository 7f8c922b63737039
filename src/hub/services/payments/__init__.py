"""Payments: an order's transactions, its payment figures, and the release that waits for them.

    channel report (webhook, poll)    POST /orders (its payment)    POST /orders/{id}/payments
              |                                 |                            |
      record.record_report               record.initial                manual.post_payment
              \\_______________________________ | ____________________________/
                                                v
        transactions recorded once per (order, reference, kind); figures on the order row;
        ``payment`` timeline entries; captured != total flagged for an operator
                                                |
              release.release_if_paid: an order held ``awaiting_payment`` moves on
                                                |
              hooks.payments_changed: listeners (documents: invoice when paid, credit notes)

The arithmetic is pure (``hub.domain.payments``). The hold itself is routing's: an accepted
order whose channel's ``release_when`` it does not meet is held, not routed, keeping its
reservation (``hub.services.routing.route``).
"""
