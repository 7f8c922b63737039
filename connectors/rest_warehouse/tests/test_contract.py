"""The connector contract (hub.sdk.testing) for a warehouse connector.

The REST warehouse is not a sales channel (no ``normalize``): the suite skips its order
checks. Its partner-call check runs on creating an order; other calls and a second
signature scheme get the same checks here.
"""

from __future__ import annotations

import httpx
import pytest
import respx

from connectors.rest_warehouse import connector
from connectors.rest_warehouse.tests.support import (
    BASE,
    REF,
    WEBHOOK_SECRET,
    connection,
    fixture,
    fulfilment_request,
    signed_request,
)
from hub.sdk import Capability, Connection, PartnerHttp, hmac_sha256_base64
from hub.sdk.testing import (
    ConnectorContract,
    ContractSubject,
    PartnerCall,
    SignedSample,
    check_no_secret_leaks,
    check_partner_retries,
    check_webhook,
)


async def create(http: PartnerHttp) -> object:
    return await connector.create_fulfilment(connection(), fulfilment_request(), http)


class TestRestWarehouseContract(ConnectorContract):
    subject = ContractSubject(
        connector=connector,
        connection=connection(),
        documents=[],
        webhook=SignedSample(request=signed_request(), signature_header="x-signature"),
        partner_call=PartnerCall(
            call=create,
            url=f"{BASE}/orders",
            method="POST",
            respond=lambda request: httpx.Response(201, json=fixture("create_answer.json")),
        ),
    )


def test_capabilities_are_a_warehouses() -> None:
    assert connector.capabilities == {Capability.FULFIL, Capability.RECEIVE_EVENTS}
    assert not hasattr(connector, "normalize")


def test_webhook_signature_base64_with_a_prefix() -> None:
    conn = connection(signature_scheme="base64", signature_prefix="sha256=")
    body = signed_request().body
    signature = "sha256=" + hmac_sha256_base64(WEBHOOK_SECRET, body)
    request = signed_request(**{"X-Signature": signature})
    check_webhook(
        ContractSubject(
            connector=connector,
            connection=conn,
            documents=[],
            webhook=SignedSample(request=request, signature_header="x-signature"),
        )
    )


@pytest.mark.parametrize(
    "conn",
    [
        connection(
            auth="basic",
            secrets={"username": "hub-user", "password": "pw-9f8e7d", "webhook_secret": "whk_x"},
        ),
    ],
)
def test_no_secret_leaks_with_basic_auth(conn: Connection) -> None:
    check_no_secret_leaks(
        ContractSubject(
            connector=connector,
            connection=conn,
            documents=[],
            webhook=SignedSample(request=signed_request(), signature_header="x-signature"),
        )
    )


async def cancel(http: PartnerHttp) -> object:
    return await connector.cancel_fulfilment(connection(), fulfilment_request(), None, http)


def lookup_finds_it(router: respx.MockRouter) -> None:
    router.get(f"{BASE}/orders", params={"reference": REF}).respond(
        200, json=fixture("lookup_answer.json")
    )


async def test_cancel_retries_on_429_and_5xx_only() -> None:
    await check_partner_retries(
        PartnerCall(
            call=cancel,
            url=f"{BASE}/orders/WH-100234/cancel",
            method="POST",
            respond=lambda request: httpx.Response(200, json={"status": "cancelled"}),
            other_routes=lookup_finds_it,
        )
    )


async def test_lookup_retries_on_429_and_5xx_only() -> None:
    await check_partner_retries(
        PartnerCall(
            call=cancel,
            url=f"{BASE}/orders?reference=",
            respond=lambda request: httpx.Response(200, json={"orders": []}),
        )
    )
