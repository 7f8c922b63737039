"""Today: orders per channel per hour, counts by status, and the work queue."""

from __future__ import annotations

from datetime import timedelta

from litestar import Response, get
from litestar.di import NamedDependency

from hub.bootstrap import Hub
from hub.console import chart
from hub.console.web import Operator, page
from hub.domain.lifecycle import OrderStatus
from hub.services.console.followups import followups
from hub.services.console.today import today as today_of


def _complaints_reach(op: Operator) -> frozenset[str] | bool | None:
    return op.principal.channels("complaints:read") if op.can("complaints:read") else False


def _reads_mails(op: Operator) -> bool:
    return op.principal.every_channel("notifications:read")


@get("/")
async def today(hub: NamedDependency[Hub], op: NamedDependency[Operator]) -> Response[str]:
    found = await today_of(hub.db, op.reach)
    more = await followups(hub.db, complaints=_complaints_reach(op), mails=_reads_mails(op))
    lines = chart.series(found.hours)
    return page(
        "today.html",
        op,
        today=found,
        more=more,
        chart=chart.svg(found.start, lines),
        lines=lines,
        statuses=[(s.value, found.statuses.get(s.value, 0)) for s in OrderStatus],
        hour_labels=[f"{found.start + timedelta(hours=h):%H}:00" for h in range(24)],
    )
