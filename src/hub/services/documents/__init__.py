"""Documents: invoices, receipts and credit notes, numbered per series without a gap.

    shipment / paid / till sale / cancel / refund     POST /orders/{id}/invoice, /credit-notes
              (automatic: timeline tap, payments hook)          (by_hand)
                                  \\                              /
                      issue: content (hub.domain.documents, credit_notes), then the
                      series' next number, the row (content frozen), a render job
                                               |
                      render: the PDF (PDF/A-3 with the EN 16931 XML), kept once, and a
                      ``document_issued`` timeline entry
                                               |
                      views: GET /documents..., the CSV export for the bookkeeper

Series come from ``documents:`` in the ``HUB_CONFIG`` file (``hub.domain.document_series``);
each connection's ``invoice_on`` (paid, shipped, never) says when its invoices are issued.
"""

from __future__ import annotations

from hub.connections import Connections
from hub.services.documents.automatic import payments_listener, timeline_tap
from hub.services.documents.issue import RENDER_JOB
from hub.services.documents.render import handle_render_job
from hub.services.jobs import JobRegistry
from hub.services.payments import hooks
from hub.store.event_taps import tap_events, untap_events

NAME = "documents"


def register(registry: JobRegistry, connections: Connections | None) -> None:
    """The render job, and (with connections, whose series they use) the automatic issue:
    the timeline tap and the payments listener."""
    registry.register(RENDER_JOB, handle_render_job)
    if connections is None:
        return
    tap_events(NAME, timeline_tap(connections))
    hooks.listen(NAME, payments_listener(connections))


def unregister() -> None:
    """Stop issuing documents by themselves in this process (the hub closed)."""
    untap_events(NAME)
    hooks.forget(NAME)
