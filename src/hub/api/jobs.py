"""``/jobs``: the operator's view of the outbox, and replay of dead jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from hub.api.auth import requires
from hub.api.paging import Listing, PageAsk
from hub.bootstrap import Hub
from hub.services import jobs as job_service

JobState = Literal["pending", "retrying", "running", "done", "dead"]


class Job(msgspec.Struct, frozen=True, kw_only=True):
    """One durable job of the outbox, as the API shows it. ``retrying``: it failed and
    waits for ``next_attempt_at``; ``pending``: it has not run yet."""

    id: int
    kind: str
    payload: dict[str, Any]
    state: JobState
    attempts: int
    max_attempts: int
    run_at: datetime
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    locked_by: str | None = None
    last_error: str | None = None
    created_at: datetime
    updated_at: datetime


class JobPage(msgspec.Struct):
    """A page of jobs (``Page``), with how many jobs are in each state."""

    items: list[Job]
    next_cursor: str | None
    counts: dict[str, int]


_JOBS: Listing[tuple[int]] = Listing("jobs", tuple[int])


def _shown(job: Any) -> Job:
    """The API's view of a job the service returned (its fields by name)."""
    shown = msgspec.convert(job, Job, from_attributes=True)
    return msgspec.structs.replace(
        shown, state=job.shown_state, next_attempt_at=job.next_attempt_at
    )


class JobController(Controller):
    path = "/jobs"
    tags = ["jobs"]
    guards = [requires("admin")]

    @get("/", summary="List jobs by state, oldest first")
    async def list_jobs(
        self,
        hub: NamedDependency[Hub],
        page: NamedDependency[PageAsk],
        job_state: Annotated[
            list[JobState] | None, QueryParameter(name="state", description="any of")
        ] = None,
        kind: Annotated[list[str] | None, QueryParameter(description="any of")] = None,
    ) -> JobPage:
        after = _JOBS.after(page.cursor)
        found = await job_service.list_jobs(
            hub.db, state=job_state, kind=kind, after=after[0] if after else None, limit=page.fetch
        )
        shown = _JOBS.page(found, page, key=lambda j: (j.id,), show=_shown)
        return JobPage(shown.items, shown.next_cursor, await job_service.counts(hub.db))

    @post(
        "/{job_id:int}/replay", status_code=200, summary="Run a dead job again with fresh attempts"
    )
    async def replay(self, hub: NamedDependency[Hub], job_id: FromPath[int]) -> Job:
        return _shown(await job_service.replay(hub.db, job_id))
