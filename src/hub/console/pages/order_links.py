"""What an order's page shows of its documents, returns and complaints, each only to a key
that reads them, each linking to its own page."""

from __future__ import annotations

from typing import Any

from hub.bootstrap import Hub
from hub.clock import utcnow
from hub.console.web import Operator
from hub.services.complaints import views as complaint_views
from hub.services.documents import views as document_views
from hub.services.returns import views as return_views
from hub.store.complaints import ComplaintFilter

SHOWN = 50


async def linked(hub: Hub, op: Operator, order_id: str) -> dict[str, Any]:
    """``documents``, ``returns`` and ``complaints`` of the order (None: not for this key)."""
    found: dict[str, Any] = {"documents": None, "returns": None, "complaints": None}
    if op.can("documents:read"):
        found["documents"] = await document_views.of_order(hub.db, order_id) or []
    if op.can("returns:read"):
        found["returns"] = await return_views.list_returns(
            hub.db, status=None, order_id=order_id, after=None, limit=SHOWN
        )
    if op.can("complaints:read"):
        reach = op.principal.channels("complaints:read")
        asked = ComplaintFilter(channels=sorted(reach) if reach is not None else None,
                                order_id=order_id)  # fmt: skip
        now = utcnow()
        found["complaints"] = await complaint_views.list_page(hub.db, asked, None, SHOWN, now)
    return found
