"""A warehouse that works with files: the pick request goes out as CSV through the outbox,
the shipment confirmation comes back as CSV found by the hub's shipment poll, kept as an
inbound message, and ships the order; a second poll archives the file and changes nothing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.services.intake import polling
from hub.worker import Worker
from tests.e2e.test_fulfilment_api import location, order, receive


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    return {name: tmp_path / name for name in ("outbox", "inbox")}


@pytest.fixture
def file_settings(settings: Settings, tmp_path: Path, folders: dict[str, Path]) -> Settings:
    config = {
        "connections": [
            {
                "code": "wh-files",
                "connector": "csv_warehouse",
                "settings": {
                    "outbox_dir": str(folders["outbox"]),
                    "inbox_dir": str(folders["inbox"]),
                    "settle_seconds": 0,
                },
            }
        ]
    }
    (tmp_path / "hub.yaml").write_text(json.dumps(config))
    return msgspec.structs.replace(settings, config_path=str(tmp_path / "hub.yaml"))


@pytest.fixture
async def client(file_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(file_settings, run_worker=False)) as c:
        yield c


@pytest.fixture
async def hub(file_settings: Settings) -> AsyncIterator[Hub]:
    built = Hub.build(file_settings)
    await built.start()
    yield built
    await built.close()


async def run(hub: Hub) -> None:
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


async def test_pick_file_out_confirmation_file_in(
    client: AsyncTestClient,
    auth: dict[str, str],
    hub: Hub,
    folders: dict[str, Path],
) -> None:
    await location(client, auth, "files", kind="3pl", connection="wh-files")
    await receive(client, auth, ("TEE", "files", 5), ("MUG", "files", 5))
    r = await client.post("/orders", json=order("F-1", ("TEE", 2), ("MUG", 1)), headers=auth)
    order_id = r.json()["id"]
    await run(hub)

    [pick] = list(folders["outbox"].glob("*.csv"))
    rows = list(csv.DictReader(io.StringIO(pick.read_text())))
    assert [(x["sku"], x["quantity"], x["channel_order_id"]) for x in rows] == [
        ("TEE", "2", "F-1"),
        ("MUG", "1", "F-1"),
    ]
    fulfilment_id = rows[0]["fulfilment_id"]
    f = (await client.get(f"/fulfilments/{fulfilment_id}", headers=auth)).json()
    assert (f["status"], f["partner_ref"]) == ("accepted", pick.name)

    folders["inbox"].mkdir(exist_ok=True)
    (folders["inbox"] / "shipped-0001.csv").write_text(
        "fulfilment_id,shipment_id,sku,quantity,carrier,tracking_number\r\n"
        f"{fulfilment_id},P1,TEE,2,DPD,15501234567890\r\n"
        f"{fulfilment_id},P1,MUG,1,DPD,15501234567890\r\n"
    )
    await polling.poll_shipments(hub.job_context(), "wh-files")
    await run(hub)
    got = (await client.get(f"/orders/{order_id}", headers=auth)).json()
    assert got["status"] == "shipped"
    shipment = next(e for e in got["timeline"] if e["kind"] == "shipment")
    assert (shipment["detail"]["carrier"], shipment["detail"]["tracking_number"]) == (
        "DPD",
        "15501234567890",
    )
    tee = (await client.get("/stock/TEE", headers=auth)).json()
    assert (tee["on_hand"], tee["reserved"]) == (3, 0)

    # The next poll archives the file it returned; nothing is shipped twice.
    await polling.poll_shipments(hub.job_context(), "wh-files")
    await run(hub)
    assert not list(folders["inbox"].glob("*.csv"))
    assert [p.name for p in (folders["inbox"] / "processed").glob("*.csv")] == ["shipped-0001.csv"]
    tee = (await client.get("/stock/TEE", headers=auth)).json()
    assert (tee["on_hand"], tee["reserved"]) == (3, 0)
    shipments = (await client.get(f"/fulfilments/{fulfilment_id}", headers=auth)).json()[
        "shipments"
    ]
    assert len(shipments) == 1
