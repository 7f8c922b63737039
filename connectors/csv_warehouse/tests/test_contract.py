"""The connector contract (hub.sdk.testing) on a file warehouse.

Not a sales channel (no ``normalize``), no webhooks, no secrets and no partner HTTP calls:
the suite's order, webhook and retry checks skip; what is left is the capability check, the
secrets check, and (here) that no HTTP call is made at all.
"""

from __future__ import annotations

from pathlib import Path

from connectors.csv_warehouse import connector
from connectors.csv_warehouse.tests.support import (
    CONFIRMATIONS,
    UNTIL,
    connection,
    fulfilment_request,
    no_http,
)
from hub.sdk import Capability
from hub.sdk.testing import ConnectorContract, ContractSubject, check_capabilities


class TestCsvWarehouseContract(ConnectorContract):
    # the checks read no file: the folders need not exist
    subject = ContractSubject(
        connector=connector,
        connection=connection(Path("/nonexistent/csv-warehouse-contract")),
        documents=[],
    )


def test_capabilities_are_a_file_warehouses() -> None:
    check_capabilities(connector)
    assert connector.name == "csv_warehouse"
    assert connector.capabilities == {Capability.FULFIL, Capability.POLL_SHIPMENTS}
    assert not hasattr(connector, "normalize")
    assert not hasattr(connector, "verify")


async def test_no_partner_http_call(tmp_path: Path) -> None:
    conn = connection(tmp_path)
    (tmp_path / "from_warehouse").mkdir()
    name = "shipments_20261123.csv"
    (tmp_path / "from_warehouse" / name).write_bytes((CONFIRMATIONS / name).read_bytes())
    async with no_http() as http:
        await connector.create_fulfilment(conn, fulfilment_request(), http)
        await connector.cancel_fulfilment(conn, fulfilment_request(), None, http)
        result = await connector.poll_shipments(conn, None, http, until=UNTIL)
        await connector.poll_shipments(conn, result.cursor, http, until=UNTIL)
    assert result.shipments
