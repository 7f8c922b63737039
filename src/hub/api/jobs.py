"""``/jobs``: the operator's view of the outbox, and replay of dead jobs."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from hub.api.auth import requires
from hub.bootstrap import Hub
from hub.services import jobs as job_service
from hub.store.jobs import Job


class JobPage(msgspec.Struct):
    items: list[Job]
    next_after: int | None
    counts: dict[str, int]


class JobController(Controller):
    path = "/jobs"
    tags = ["jobs"]
    guards = [requires("admin")]

    @get("/", summary="List jobs by state, oldest first")
    async def list_jobs(
        self,
        hub: NamedDependency[Hub],
        job_state: Annotated[
            Literal["pending", "running", "done", "dead"] | None, QueryParameter(name="state")
        ] = None,
        kind: FromQuery[str | None] = None,
        after: FromQuery[int | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> JobPage:
        items = await job_service.list_jobs(
            hub.db, state=job_state, kind=kind, after=after, limit=limit
        )
        return JobPage(
            items=items,
            next_after=items[-1].id if len(items) == limit else None,
            counts=await job_service.counts(hub.db),
        )

    @post(
        "/{job_id:int}/replay", status_code=200, summary="Run a dead job again with fresh attempts"
    )
    async def replay(self, hub: NamedDependency[Hub], job_id: FromPath[int]) -> Job:
        return await job_service.replay(hub.db, job_id)
