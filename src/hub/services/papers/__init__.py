"""Warehouse papers for the merchant's own warehouse: the pick list of a location and the
packing slip of a fulfilment, as PDF (``hub.render``), read from what is stored.

- ``pick_list``: the open fulfilments of a location, chosen by id or "all released before
  T": each SKU once, its total and the orders it goes to, in bin order.
- ``packing_slip``: one fulfilment's ship-to, lines and quantities (no prices on a gift
  order), the public tracking reference as text and QR code, a returns note.

Neither is stored: each is rendered when asked for (a few milliseconds; see
``bench/papers.py``), in a worker thread so the event loop is not held.
"""

from hub.services.papers.packing_slip import packing_slip_pdf
from hub.services.papers.pick_list import MAX_FULFILMENTS, pick_list_pdf

__all__ = ["MAX_FULFILMENTS", "packing_slip_pdf", "pick_list_pdf"]
