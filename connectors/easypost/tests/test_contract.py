"""The connector contract (hub.sdk.testing) on the EasyPost fixtures.

EasyPost is a carrier, not a channel: the suite skips its order checks. Its partner-call
check runs on quoting rates; buying a label gets the same check here.
"""

from __future__ import annotations

import httpx
import respx

from connectors.easypost import connector
from connectors.easypost.tests.conftest import BASE, SIGNED, fixture, make_connection
from hub.sdk import Address as HubAddress
from hub.sdk import (
    BuysLabels,
    Capability,
    Connector,
    LabelRequest,
    Parcel,
    PartnerHttp,
    Rate,
    ReceivesEvents,
    ReceivesWebhooks,
    WebhookRequest,
)
from hub.sdk.testing import (
    ConnectorContract,
    ContractSubject,
    PartnerCall,
    SignedSample,
    check_partner_retries,
)

CONNECTION = make_connection()
REQUEST = LabelRequest(
    reference="ful_01",
    ship_from=HubAddress(line1="2400 S Laramie Ave", city="Cicero", country="US"),
    ship_to=HubAddress(line1="1800 E Broad St", city="Columbus", country="US"),
    parcel=Parcel(weight_grams=500),
)
SHIPMENT_ID = "shp_0d6b3e1c9a7f4e2b8c5d1a3f6e9b2c47"
RATE = Rate(
    id="rate_b936eae682e543b1a6550ea120e81a3e",
    shipment_id=SHIPMENT_ID,
    carrier="USPS",
    service="GroundAdvantage",
    amount=593,
    currency="USD",
)


async def quote(http: PartnerHttp) -> object:
    return await connector.rates(CONNECTION, REQUEST, http)


class TestEasyPostContract(ConnectorContract):
    subject = ContractSubject(
        connector=connector,
        connection=CONNECTION,
        documents=[],
        webhook=SignedSample(
            request=WebhookRequest(
                url="https://oms.example.com/webhooks/easypost",
                headers={k.lower(): v for k, v in SIGNED["headers"].items()},
                body=fixture("tracker_updated.json"),
            ),
            signature_header="X-Hmac-Signature",
        ),
        partner_call=PartnerCall(
            call=quote,
            url=f"{BASE}/v2/shipments",
            method="POST",
            respond=lambda request: httpx.Response(201, content=fixture("shipment_created.json")),
        ),
    )


def test_capabilities_are_a_carriers() -> None:
    assert connector.capabilities == {Capability.BUY_LABELS, Capability.RECEIVE_EVENTS}
    assert isinstance(connector, BuysLabels) and isinstance(connector, ReceivesEvents)
    assert not isinstance(connector, Connector) and not isinstance(connector, ReceivesWebhooks)


async def test_buy_label_retries_on_429_and_5xx_only() -> None:
    """A refused purchase reads the shipment back; not bought there, the refusal stands."""

    def other_routes(router: respx.MockRouter) -> None:
        router.get(f"{BASE}/v2/shipments/{SHIPMENT_ID}").mock(
            return_value=httpx.Response(200, content=fixture("shipment_created.json"))
        )
        router.get(url__startswith="https://easypost-files.s3.us-west-2.amazonaws.com/").mock(
            return_value=httpx.Response(200, content=b"\x89PNG label")
        )

    async def buy(http: PartnerHttp) -> object:
        return await connector.buy_label(CONNECTION, RATE, http)

    await check_partner_retries(
        PartnerCall(
            call=buy,
            url=f"{BASE}/v2/shipments/{SHIPMENT_ID}/buy",
            method="POST",
            respond=lambda request: httpx.Response(200, content=fixture("shipment_bought.json")),
            other_routes=other_routes,
        )
    )
