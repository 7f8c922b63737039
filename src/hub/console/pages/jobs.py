"""Jobs: dead and retrying jobs with their last error; replay a dead one."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from hub.bootstrap import Hub
from hub.console.web import OPEN, Operator, page, posted
from hub.services import jobs as job_service

PAGE = 50
SHOWN = ("dead", "retrying")
#: each state's count stops here (done jobs pile up until purged): "more than 10000"
COUNT_LIMIT = 10_000


async def _counts(hub: Hub) -> dict[str, int | str]:
    found = await job_service.counts(hub.db, limit=COUNT_LIMIT)
    return {s: f"more than {COUNT_LIMIT}" if n > COUNT_LIMIT else n for s, n in found.items()}


@get("/jobs", opt=OPEN)
async def jobs(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[str]:
    op.need("admin")
    state = request.query_params.get("state") or "dead"
    state = state if state in SHOWN else "dead"
    after_text = request.query_params.get("after") or ""
    after = int(after_text) if after_text.isdigit() else None
    found = await job_service.list_jobs(hub.db, state=state, kind=None, after=after, limit=PAGE + 1)
    more = len(found) > PAGE
    found = found[:PAGE]
    return page(
        "jobs.html",
        op,
        jobs=found,
        state=state,
        states=SHOWN,
        counts=await _counts(hub),
        after=found[-1].id if more else None,
        done=request.query_params.get("done"),
    )


@post("/jobs/{job_id:int}/replay", status_code=303)
async def replay(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    op: NamedDependency[Operator],
    job_id: FromPath[int],
) -> Response[Any]:
    op.need("admin")
    await posted(request, op)
    await job_service.replay(hub.db, job_id)
    return Redirect(f"/console/jobs?done={job_id}", status_code=303)
