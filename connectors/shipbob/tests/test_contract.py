"""The connector contract (hub.sdk.testing) for a 3PL connector.

ShipBob is not a sales channel (no ``normalize``): the suite skips its order checks. Its
partner-call check runs on creating an order; polling gets the same check here.
"""

from __future__ import annotations

import httpx
import respx

from connectors.shipbob import ShipBobConnector, connector
from connectors.shipbob.tests.support import (
    BASE,
    SIGNED_AT,
    connection,
    fulfilment_request,
    shipped_request,
)
from hub.sdk import Capability, PartnerHttp
from hub.sdk.testing import (
    ConnectorContract,
    ContractSubject,
    PartnerCall,
    SignedSample,
    check_partner_retries,
)

#: the shared delivery was signed in 2025: a connector whose clock reads that moment
SIGNED_THEN = ShipBobConnector(clock=lambda: SIGNED_AT + 5)


async def create(http: PartnerHttp) -> object:
    return await connector.create_fulfilment(connection(), fulfilment_request(), http)


def no_order_yet(router: respx.MockRouter) -> None:
    router.get(f"{BASE}/order").respond(200, json=[])


class TestShipBobContract(ConnectorContract):
    subject = ContractSubject(
        connector=SIGNED_THEN,
        connection=connection(),
        documents=[],
        webhook=SignedSample(request=shipped_request(), signature_header="webhook-signature"),
        partner_call=PartnerCall(
            call=create,
            url=f"{BASE}/order",
            method="POST",
            respond=lambda request: httpx.Response(
                201, json={"id": 381234567, "reference_id": "ful_01JQ7X4M2N8P5R6S7T8V9W0XYZ"}
            ),
            other_routes=no_order_yet,
        ),
    )


def test_capabilities_are_a_warehouses() -> None:
    assert connector.capabilities == {
        Capability.FULFIL,
        Capability.RECEIVE_EVENTS,
        Capability.POLL_SHIPMENTS,
    }
    assert not hasattr(connector, "normalize")


async def poll(http: PartnerHttp) -> object:
    return await connector.poll_shipments(connection(), None, http, until="2026-11-23T00:00:00Z")


async def test_poll_retries_on_429_and_5xx_only() -> None:
    await check_partner_retries(
        PartnerCall(
            call=poll,
            url=f"{BASE}/order",
            respond=lambda request: httpx.Response(200, json=[]),
        )
    )
