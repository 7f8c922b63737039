"""A hub configured with document series, for the documents tests: an invoice series that
serves every channel (with the e-invoice) and a receipt series for the till ``store-1``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.services.payments import hooks
from hub.store.event_taps import untap_events
from hub.worker import Worker

SELLER = {
    "name": "Kiez Supply GmbH",
    "address": {"line1": "Torstraße 1", "city": "Berlin", "postal_code": "10119", "country": "DE"},
    "vat_id": "DE123456789",
    "tax_id": "37/123/45678",
    "iban": "DE02120300000000202051",
    "bic": "BYLADEM1001",
}
INVOICES = {
    "code": "inv",
    "prefix": "INV-2026-",
    "credit_note_prefix": "CN-2026-",
    "default_tax_rate": "19",
    "footer": "Amtsgericht Charlottenburg HRB 123456",
    "seller": SELLER,
}
RECEIPTS = {
    "code": "till",
    "kind": "receipt",
    "prefix": "BER-",
    "locations": ["store-1"],
    "default_tax_rate": "19",
    "seller": SELLER,
}


def config(
    connections: list[dict[str, Any]] | None = None, series: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "connections": connections or [],
        "documents": {"series": series if series is not None else [INVOICES, RECEIPTS]},
    }


def configured(settings: Settings, tmp_path: Path, data: dict[str, Any]) -> Settings:
    path = tmp_path / "hub.yaml"
    path.write_text(json.dumps(data))
    return msgspec.structs.replace(settings, config_path=str(path))


@pytest.fixture
def forget_documents() -> Any:
    """The documents tap and listener are process-wide: gone after the test."""
    yield
    untap_events("documents")
    hooks.forget("documents")


async def client_and_hub(settings: Settings) -> AsyncIterator[tuple[AsyncTestClient, Hub]]:
    hub = Hub.build(settings)
    await hub.start()
    try:
        async with AsyncTestClient(app=create_app(settings, run_worker=False)) as client:
            yield client, hub
    finally:
        await hub.close()
        untap_events("documents")
        hooks.forget("documents")


async def run_jobs(hub: Hub) -> None:
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass
