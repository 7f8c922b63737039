"""Complaints: the list (by status, the overdue ones, cursor paged), one complaint, and
its answer, resolution with an outcome, or rejection, each through the complaint
services. A channel's own key reads its channel's complaints only (another's: 404) and
acts on none (as the API: answering and resolving need ``complaints:write``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from hub.bootstrap import Hub
from hub.clock import utcnow
from hub.console.forms import as_input, whole
from hub.console.listing import PAGE, split_page, timed_after
from hub.console.web import OPEN, Operator, page, posted
from hub.domain.complaints import (
    OUTCOMES,
    TRANSITIONS,
    AnswerIn,
    ComplaintStatus,
    OutcomeIn,
    RejectIn,
)
from hub.domain.lifecycle import TransitionRefused
from hub.errors import HubError, NotFound
from hub.services.complaints import actions, views
from hub.services.complaints.views import Complaint
from hub.store.complaints import ComplaintFilter

ACTIONS = {"answer": "Answer", "resolve": "Resolve", "reject": "Reject"}


async def _complaint(hub: Hub, op: Operator, complaint_id: str) -> Complaint:
    op.need("complaints:read")
    found = await views.get(hub.db, complaint_id, utcnow())
    reach = op.principal.channels("complaints:read")
    if found is None or (reach is not None and found.channel not in reach):
        raise NotFound(f"no complaint {complaint_id}")
    return found


@get("/complaints", opt=OPEN)
async def complaints(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[str]:
    op.need("complaints:read")
    asked = request.query_params
    status = asked.get("status", "")
    status = status if status in {s.value for s in ComplaintStatus} else ""
    overdue = asked.get("overdue") == "true"
    reach = op.principal.channels("complaints:read")
    now = utcnow()
    found = ComplaintFilter(
        channels=sorted(reach) if reach is not None else None,
        statuses=[status] if status else None,
        overdue_at=now if overdue else None,
    )
    rows = await views.list_page(hub.db, found, timed_after(asked.get("cursor")), PAGE + 1, now)
    shown, next_cursor = split_page(rows, lambda c: (c.created_at, c.id))
    return page(
        "complaints.html", op, complaints=shown, shown_status=status, overdue=overdue,
        statuses=[s.value for s in ComplaintStatus], next_cursor=next_cursor,
    )  # fmt: skip


async def _complaint_page(
    hub: Hub, op: Operator, complaint_id: str, *, status: int = 200, **extra: Any
) -> Response[str]:
    found = await _complaint(hub, op, complaint_id)
    moves = TRANSITIONS[found.status]
    possible = [a for a, s in (("answer", "answered"), ("resolve", "resolved"),
                               ("reject", "rejected")) if ComplaintStatus(s) in moves]  # fmt: skip
    return page(
        "complaint.html", op, status=status, complaint=found, outcomes=OUTCOMES,
        writable=op.principal.every_channel("complaints:write"), actions=possible, **extra,
    )  # fmt: skip


@get("/complaints/{complaint_id:str}", opt=OPEN)
async def complaint(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    op: NamedDependency[Operator],
    complaint_id: FromPath[str],
) -> Response[str]:
    done = ACTIONS.get(request.query_params.get("done") or "")
    return await _complaint_page(hub, op, complaint_id, done=done)


async def _do(
    hub: Hub, op: Operator, complaint_id: str, action: str, fields: dict[str, str]
) -> None:
    actor = op.principal.actor
    if action == "answer":
        answer = as_input({"message": fields.get("message", "").strip()}, AnswerIn)
        await actions.answer(hub.db, complaint_id, answer, actor=actor)
    elif action == "reject":
        reject = as_input({"reason": fields.get("reason", "").strip()}, RejectIn)
        await actions.reject(hub.db, complaint_id, reject, actor=actor)
    else:
        outcome = as_input(
            {"outcome": fields.get("outcome"), "amount": whole(fields.get("amount"), "amount"),
             "voucher_code": fields.get("voucher_code", "").strip(),
             "note": fields.get("note", "").strip()},
            OutcomeIn,
        )  # fmt: skip
        await actions.resolve(hub.db, hub.writer, complaint_id, outcome, actor=actor)


@post("/complaints/{complaint_id:str}/{action:str}", status_code=303)
async def act(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    op: NamedDependency[Operator],
    complaint_id: FromPath[str],
    action: FromPath[str],
) -> Response[Any]:
    fields = await posted(request, op)
    if action not in ACTIONS:
        raise NotFound(f"no action {action!r}")
    op.need_every_channel("complaints:write")
    await _complaint(hub, op, complaint_id)
    try:
        await _do(hub, op, complaint_id, action, fields)
    except NotFound:
        raise
    except (HubError, TransitionRefused) as exc:  # refused: the page again, saying why
        status = exc.status if isinstance(exc, HubError) else 409
        return await _complaint_page(hub, op, complaint_id, status=status, error=str(exc))
    return Redirect(f"/console/complaints/{complaint_id}?done={action}", status_code=303)
