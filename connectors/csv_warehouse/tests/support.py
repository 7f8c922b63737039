"""Test support: fixtures, a connection on a tmp folder, and a PartnerHttp no test may use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import msgspec

from hub.sdk import Connection, FulfilmentRequest, PartnerHttp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CONFIRMATIONS = FIXTURES / "confirmations"
UNTIL = "2026-11-23T12:00:00Z"


def connection(root: Path, **settings: Any) -> Connection:
    """A connection whose folders live under ``root`` (not created yet: the connector does)."""
    return Connection(
        code="leeds-files",
        connector="csv_warehouse",
        settings={
            "outbox_dir": str(root / "to_warehouse"),
            "inbox_dir": str(root / "from_warehouse"),
            "settle_seconds": 0,
            **settings,
        },
    )


def fulfilment_request(**changes: Any) -> FulfilmentRequest:
    request = msgspec.json.decode(
        (FIXTURES / "fulfilment_request.json").read_bytes(), type=FulfilmentRequest
    )
    return msgspec.structs.replace(request, **changes)


@asynccontextmanager
async def no_http() -> AsyncIterator[PartnerHttp]:
    """A PartnerHttp that records every request (answering 599): this connector calls no
    partner, so the test fails if it made any."""
    calls: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(599)

    async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as client:
        yield PartnerHttp(client, attempts=1, backoff=0.001)
    assert not calls, "the CSV warehouse connector made an HTTP call"


def files(folder: Path) -> list[str]:
    """Every file name in ``folder`` (hidden ones too), sorted; subfolders left out."""
    return sorted(p.name for p in folder.iterdir() if p.is_file())
