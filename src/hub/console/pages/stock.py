"""Stock: one SKU's levels per location, each channel's available to sell with its terms,
its movement history and a form to post an adjustment or a count; and the catalog with
each SKU's listings per channel."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from hub.bootstrap import Hub
from hub.console.web import OPEN, Operator, page, posted
from hub.errors import NotFound, Unprocessable
from hub.services import catalog as catalog_service
from hub.services import stock as stock_service
from hub.services.console.views import movements
from hub.services.stock import MovementIn

PAGE = 50
KINDS = ("count", "adjustment", "receipt")


async def _stock_page(
    hub: Hub, op: Operator, sku: str, *, status: int = 200, **extra: Any
) -> Response[str]:
    view, history = None, []
    if sku:
        try:
            view = await stock_service.get_stock(hub.db, sku, hub.connections.channel_rules())
        except NotFound:
            view = None
        history = await movements(hub.db, sku)
    locations = await stock_service.list_locations(hub.db)
    return page(
        "stock.html",
        op,
        status=status,
        sku=sku,
        view=view,
        history=history,
        locations=locations,
        kinds=KINDS,
        token=secrets.token_urlsafe(12),
        **extra,
    )


@get("/stock", opt=OPEN)
async def stock(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[str]:
    op.need("stock:read")
    sku = request.query_params.get("sku", "").strip()[:100]
    return await _stock_page(hub, op, sku, done=request.query_params.get("done"))


@post("/stock/movements", status_code=303)
async def post_movement(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[Any]:
    op.need("stock:write")
    fields = await posted(request, op)
    sku = fields.get("sku", "").strip()
    try:
        quantity = int(fields.get("quantity", ""))
        movement = msgspec.convert(
            {
                "kind": fields.get("kind"),
                "sku": sku,
                "location": fields.get("location", ""),
                "quantity": quantity,
                "reason": fields.get("reason", "").strip() or "console",
                "source": "console",
            },
            MovementIn,
        )
    except (ValueError, msgspec.ValidationError) as exc:
        return await _stock_page(hub, op, sku, status=422, error=f"Not posted: {exc}")
    token = fields.get("token", "")[:100] or secrets.token_urlsafe(12)
    try:
        await stock_service.post_movements(
            hub.db,
            [movement],
            actor=op.principal.actor,
            idempotency=(op.principal.key_id, f"console:{token}"),
        )
    except Unprocessable as exc:
        return await _stock_page(hub, op, sku, status=422, error=f"Not posted: {exc}")
    return Redirect(f"/console/stock?sku={quote(sku)}&done={movement.kind}", status_code=303)


@get("/catalog", opt=OPEN)
async def catalog(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[str]:
    op.need("catalog:read")
    after = request.query_params.get("after") or None
    found = await catalog_service.list_skus(hub.db, after=after, limit=PAGE + 1)
    more = len(found) > PAGE
    found = found[:PAGE]
    return page("catalog.html", op, skus=found, after=found[-1].sku if more else None)
