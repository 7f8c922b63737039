"""Complaints about orders (issue 14): opened by an operator or the order's channel, answered,
resolved with an outcome (refund, reship, voucher, return required, none) or rejected, each
step on the order's timeline; and the figures per carrier, location and SKU.

- ``views``: the complaint as the API shows it;
- ``opening``: ``POST /orders/{id}/complaints``;
- ``actions``: answer, reject, resolve (``outcomes`` does what each outcome needs:
  ``refund_for_complaint``, ``reship``); ``channel_refund``: ``complaint.refund``, a refund
  sent to the channel once and recorded;
- ``stats``: ``GET /complaints/stats``.
"""
