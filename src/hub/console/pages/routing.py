"""Routing: run the rules in force (or rules pasted in) over the orders placed in a date
range, and show the simulation table. Nothing is written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency

from hub.bootstrap import Hub
from hub.console.web import Operator, page, posted
from hub.domain.routing import RulesError, RuleSet
from hub.services.routing.rules_source import RulesSource, load_rules
from hub.services.routing.simulate import simulate

MAX_DAYS = 366


def _form(op: Operator, *, status: int = 200, **context: Any) -> Response[str]:
    today = datetime.now(UTC).date()
    defaults = {"since": (today - timedelta(days=7)).isoformat(), "until": today.isoformat()}
    return page("routing.html", op, status=status, asked=context.pop("asked", defaults), **context)


@get("/routing")
async def routing(op: NamedDependency[Operator]) -> Response[str]:
    op.need_every_channel("orders:read")
    return _form(op)


@post("/routing", status_code=200)
async def run(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[str]:
    op.need_every_channel("orders:read")
    fields = await posted(request, op)
    try:
        since = date.fromisoformat(fields.get("since", ""))
        until = date.fromisoformat(fields.get("until", ""))
    except ValueError:
        return _form(op, status=422, asked=fields, error="Give both dates as YYYY-MM-DD.")
    if until < since or (until - since).days > MAX_DAYS:
        message = f"The range must run forward and span at most {MAX_DAYS} days."
        return _form(op, status=422, asked=fields, error=message)
    text = fields.get("rules", "").strip()
    try:
        rules = load_rules(text, source="pasted rules") if text else _in_force(hub)
    except (RulesError, OSError) as exc:
        return _form(op, status=422, asked=fields, error=f"The rules do not load: {exc}")
    start = datetime.combine(since, datetime.min.time(), UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC)
    report = await simulate(hub.db, rules, since=start, until=end)
    return _form(op, asked=fields, report=report, source="pasted rules" if text else "in force")


def _in_force(hub: Hub) -> RuleSet:
    return RulesSource(hub.settings.routing_path).get()
