"""Returns: the list (by state, cursor paged), one return with its lines, receipts and
grades, label and refund, and the actions the API offers on it (authorise, reject,
receive with grades, refund, cancel, close), each through the returns services."""

from __future__ import annotations

from typing import Any, get_args

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from hub.bootstrap import Hub
from hub.console.forms import as_input, whole
from hub.console.listing import PAGE, split_page, timed_after
from hub.console.web import OPEN, Operator, page, posted
from hub.domain.lifecycle import TransitionRefused
from hub.domain.returns import RECEIVABLE, TRANSITIONS, Grade, ReturnStatus
from hub.errors import HubError, NotFound
from hub.services import stock as stock_service
from hub.services.returns import decisions, policy, receiving, refunds, views
from hub.services.returns.decisions import AuthoriseIn, DecisionIn
from hub.services.returns.receiving import ReceiveIn
from hub.services.returns.refunds import RefundIn
from hub.services.returns.views import ReturnOut

R = ReturnStatus
ACTIONS = {
    "authorise": "Authorise",
    "reject": "Reject",
    "receive": "Receive",
    "refund": "Refund",
    "cancel": "Cancel",
    "close": "Close",
}
_TARGET = {"reject": R.REJECTED, "cancel": R.CANCELLED, "close": R.CLOSED}
GRADES: tuple[str, ...] = get_args(Grade)


def _seen(op: Operator, scope: str, found: ReturnOut) -> ReturnOut:
    """The return, if the key reaches its channel (else 404, as for another's order)."""
    reach = op.principal.channels(scope)
    if reach is not None and found.channel not in reach:
        raise NotFound(f"no return {found.id}")
    return found


def possible(status: str) -> list[str]:
    """The actions the return's status allows (their buttons are shown only then)."""
    now = R(status)
    moves = TRANSITIONS[now]
    found = [a for a, target in _TARGET.items() if target in moves]
    if now == R.REQUESTED:
        found.insert(0, "authorise")
    if now in RECEIVABLE:
        found.insert(0, "receive")
    if R.REFUNDED in moves:
        found.insert(0, "refund")
    return found


@get("/returns", opt=OPEN)
async def returns(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[str]:
    op.need("returns:read")
    state = request.query_params.get("state", "")
    state = state if state in {s.value for s in R} else ""
    rows = await views.list_returns(
        hub.db, status=[state] if state else None, order_id=None,
        after=timed_after(request.query_params.get("cursor")), limit=PAGE + 1,
    )  # fmt: skip
    reach = op.principal.channels("returns:read")
    shown, next_cursor = split_page(rows, lambda r: (r.created_at, r.id))
    shown = [r for r in shown if reach is None or r.channel in reach]
    return page(
        "returns.html", op, returns=shown, state=state, states=[s.value for s in R],
        next_cursor=next_cursor,
    )  # fmt: skip


async def _return_page(
    hub: Hub, op: Operator, return_id: str, *, status: int = 200, **extra: Any
) -> Response[str]:
    op.need("returns:read")
    found = _seen(op, "returns:read", await views.get_return(hub.db, return_id))
    writable = op.can("returns:write")
    locations = await stock_service.list_locations(hub.db) if writable else []
    return page(
        "return.html", op, status=status, ret=found, writable=writable,
        actions=possible(found.status), labels=ACTIONS, grades=GRADES, locations=locations,
        **extra,
    )  # fmt: skip


@get("/returns/{return_id:str}", opt=OPEN)
async def one_return(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    op: NamedDependency[Operator],
    return_id: FromPath[str],
) -> Response[str]:
    done = ACTIONS.get(request.query_params.get("done") or "")
    return await _return_page(hub, op, return_id, done=done)


def _received(fields: dict[str, str], found: ReturnOut) -> ReceiveIn:
    lines = []
    for n, line in enumerate(found.lines):
        quantity = whole(fields.get(f"quantity-{n}"), f"quantity-{n}")
        if quantity:
            grade = fields.get(f"grade-{n}", "")
            lines.append({"sku": line.sku, "line_id": line.line_id, "quantity": quantity,
                          "grade": grade})  # fmt: skip
    body = {"location": fields.get("location", ""), "lines": lines}
    return as_input(body, ReceiveIn)


async def _do(
    hub: Hub, op: Operator, found: ReturnOut, action: str, fields: dict[str, str]
) -> None:
    actor, return_id = op.principal.actor, found.id
    if action == "authorise":
        body = as_input({"location": fields.get("location"), "note": fields.get("note")},
                        AuthoriseIn)  # fmt: skip
        await decisions.authorise(
            hub.db, return_id, body, actor=actor, label_connection=None,
            return_location=policy.return_location(hub.connections),
        )  # fmt: skip
    elif action == "receive":
        await receiving.post_receipt(
            hub.db, return_id, _received(fields, found), actor=actor,
            policy_of=policy.policy_of(hub.connections),
            offered_to=policy.offered_to(hub.connections),
        )  # fmt: skip
    elif action == "refund":
        amount = whole(fields.get("amount"), "amount")
        body = as_input({"amount": amount, "note": fields.get("note")}, RefundIn)
        await refunds.post_refund(
            hub.db, return_id, body, actor=actor, policy_of=policy.policy_of(hub.connections),
            sends_refunds=policy.sends_refunds(hub.connections),
        )  # fmt: skip
    else:
        body = as_input({"reason": fields.get("reason")}, DecisionIn)
        await decisions.decide(hub.db, return_id, _TARGET[action], body, actor=actor)


@post("/returns/{return_id:str}/{action:str}", status_code=303)
async def act(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    op: NamedDependency[Operator],
    return_id: FromPath[str],
    action: FromPath[str],
) -> Response[Any]:
    fields = await posted(request, op)
    if action not in ACTIONS:
        raise NotFound(f"no action {action!r}")
    op.need("returns:write")
    found = _seen(op, "returns:write", await views.get_return(hub.db, return_id))
    try:
        await _do(hub, op, found, action, fields)
    except NotFound:
        raise
    except (HubError, TransitionRefused) as exc:  # refused: the page again, saying why
        status = exc.status if isinstance(exc, HubError) else 409
        return await _return_page(hub, op, return_id, status=status, error=str(exc))
    return Redirect(f"/console/returns/{return_id}?done={action}", status_code=303)
