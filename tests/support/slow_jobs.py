"""A ``HUB_PLUGINS`` module for the kill -9 test: a job that hangs on its first attempt.

``test.slow`` jobs carry ``{"dir": <path>}``. The first attempt appends ``started`` to
``<dir>/log`` and then sleeps far longer than any test runs, so the worker can be killed
mid-job. Any later attempt appends ``finished`` and returns. Appends are single ``write``
calls on an ``O_APPEND`` file, so lines from different processes never interleave.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from hub.services.jobs import JobContext, JobRegistry
from hub.store.jobs import Job

KIND = "test.slow"


def record(directory: str, line: str) -> None:
    fd = os.open(Path(directory) / "log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, f"{line}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def lines(directory: str | Path) -> list[str]:
    path = Path(directory) / "log"
    return path.read_text().splitlines() if path.exists() else []


async def slow(ctx: JobContext, job: Job) -> None:
    if job.attempts == 1:
        record(job.payload["dir"], "started")
        await asyncio.sleep(3600)
    record(job.payload["dir"], "finished")


def register(registry: JobRegistry) -> None:
    registry.register(KIND, slow)
