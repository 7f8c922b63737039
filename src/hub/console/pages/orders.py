"""Orders: the filtered list (cursor paged, never counted), one order with everything
that hangs off it, and the hold, release, cancel and accept actions, each confirmed."""

from __future__ import annotations

import base64
import binascii
import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from hub.bootstrap import Hub
from hub.console.pages.order_links import linked
from hub.console.web import OPEN, Operator, page, posted
from hub.domain.lifecycle import TRANSITIONS, OrderStatus
from hub.domain.order import FieldError
from hub.errors import Forbidden, HubError, NotFound
from hub.services import orders as order_service
from hub.services.console.views import fulfilments_of
from hub.services.orders import Action, OrderDetail, OrderFilter

PAGE = 50
ACTIONS: dict[str, str] = {
    "hold": "Put on hold",
    "release": "Release the hold",
    "cancel": "Cancel",
    "accept": "Accept",
}
_FILTERS = ("channel", "status", "since", "until", "sku", "q")


def _cursor(at: datetime, order_id: str) -> str:
    raw = msgspec.json.encode([at.isoformat(), order_id])
    return base64.urlsafe_b64encode(raw).decode()


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        at, order_id = msgspec.json.decode(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(at), str(order_id)
    except (ValueError, TypeError, binascii.Error, msgspec.DecodeError):
        raise HubError("this page link is broken; start from the first page") from None


def _day(asked: dict[str, str], name: str, errors: list[FieldError]) -> datetime | None:
    text = asked.get(name)
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    except ValueError:
        errors.append(FieldError(name, "give a date as YYYY-MM-DD"))
        return None


def _filter(asked: dict[str, str], op: Operator, errors: list[FieldError]) -> OrderFilter:
    status = asked.get("status")
    if status and status not in {s.value for s in OrderStatus}:
        errors.append(FieldError("status", "not an order status"))
        status = None
    q = asked.get("q")
    if q and len(q) < 3:
        errors.append(FieldError("q", "search for at least 3 characters"))
        q = None
    until = _day(asked, "until", errors)
    found = OrderFilter(
        channels=[asked["channel"]] if asked.get("channel") else None,
        statuses=[status] if status else None,
        skus=[asked["sku"]] if asked.get("sku") else None,
        placed_since=_day(asked, "since", errors),
        placed_until=until + timedelta(days=1) if until else None,  # the whole last day
        q=q.lower() if q else None,
    )
    readable = op.principal.readable_channels()
    if readable is None:
        return found
    asked_channels = found.channels
    allowed = [c for c in (asked_channels or sorted(readable)) if c in readable]
    return dataclasses.replace(found, channels=allowed)


@get("/orders", opt=OPEN)
async def orders(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[str]:
    op.need("orders:read")
    asked = {k: request.query_params.get(k, "").strip() for k in _FILTERS}
    errors: list[FieldError] = []
    found_filter = _filter(asked, op, errors)
    after = _after(request.query_params.get("cursor"))
    rows = await order_service.list_orders(hub.db, found_filter, after=after, limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    next_cursor = _cursor(rows[-1].placed_at, rows[-1].id) if more else None
    channels = [*(c.code for c in hub.connections.info()), "callcentre"]
    readable = op.principal.readable_channels()
    context = {
        "orders": rows,
        "asked": asked,
        "errors": errors,
        "next_cursor": next_cursor,
        "channels": sorted({c for c in channels if readable is None or c in readable}),
        "statuses": [s.value for s in OrderStatus],
    }
    if request.headers.get("hx-request") == "true":
        return page("_order_rows.html", op, **context)
    return page("orders.html", op, **context)


async def _order(hub: Hub, op: Operator, reference: str) -> OrderDetail:
    op.need("orders:read")
    detail = await order_service.get_detail(hub.db, reference)
    readable = op.principal.readable_channels()
    if readable is not None and detail.channel not in readable:
        raise NotFound(f"no order {reference}")
    return detail


@get("/orders/{order_id:str}", opt=OPEN)
async def order(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    op: NamedDependency[Operator],
    order_id: FromPath[str],
) -> Response[str]:
    detail = await _order(hub, op, order_id)
    parts = await fulfilments_of(hub.db, detail.id)
    writable = op.principal.may_write_channel(detail.channel) and op.can("orders:write")
    done = request.query_params.get("done")
    return page(
        "order.html",
        op,
        order=detail,
        fulfilments=parts,
        writable=writable,
        actions={a: label for a, label in ACTIONS.items() if _possible(a, detail.status)},
        done=ACTIONS.get(done or ""),
        **await linked(hub, op, detail.id),
    )


def _possible(action: str, status: OrderStatus) -> bool:
    """Whether the order's status allows ``action`` (the button is shown only then)."""
    if action == "release":
        return status == OrderStatus.ON_HOLD
    if action == "accept":
        return status == OrderStatus.RECEIVED
    target = OrderStatus.ON_HOLD if action == "hold" else OrderStatus.CANCELLED
    return target in TRANSITIONS.get(status, frozenset())


async def _writable(hub: Hub, op: Operator, order_id: str, action: str) -> OrderDetail:
    if action not in ACTIONS:
        raise NotFound(f"no action {action!r}")
    detail = await _order(hub, op, order_id)
    if not (op.can("orders:write") and op.principal.may_write_channel(detail.channel)):
        raise Forbidden(
            f"the key {op.principal.name!r} may not change orders of {detail.channel!r}"
        )
    return detail


@get("/orders/{order_id:str}/{action:str}")
async def confirm(
    hub: NamedDependency[Hub],
    op: NamedDependency[Operator],
    order_id: FromPath[str],
    action: FromPath[str],
) -> Response[str]:
    detail = await _writable(hub, op, order_id, action)
    return page("confirm.html", op, order=detail, action=action, label=ACTIONS[action])


@post("/orders/{order_id:str}/{action:str}", status_code=303)
async def act(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    op: NamedDependency[Operator],
    order_id: FromPath[str],
    action: FromPath[str],
) -> Response[Any]:
    fields = await posted(request, op)
    detail = await _writable(hub, op, order_id, action)
    reason = fields.get("reason", "").strip()[:500] or None
    chosen: Action = action  # type: ignore[assignment]  (checked in _writable)
    await order_service.change(hub.db, detail.id, chosen, actor=op.principal.actor, reason=reason)
    return Redirect(f"/console/orders/{detail.id}?done={action}", status_code=303)
