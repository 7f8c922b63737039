"""The connector contract (hub.sdk.testing) on the eBay fixtures."""

from __future__ import annotations

from pathlib import Path

import httpx
import msgspec

from connectors.ebay import connector
from hub.sdk import Connection, PartnerHttp
from hub.sdk.testing import ConnectorContract, ContractSubject, PartnerCall

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RETURN = msgspec.json.encode(
    msgspec.json.decode((FIXTURES / "return_search.json").read_bytes())["members"][0]
)
DOCUMENTS = ["getorders.json", "getorders_page1.json", "getorders_page2.json"]
CONNECTION = Connection(
    code="ebay-de",
    connector="ebay",
    settings={"start": "2025-03-14T09:00:00Z", "limit": 1},
    secrets={"access_token": "v^1.1#i^1#test-user-token"},
)


async def first_page(http: PartnerHttp) -> object:
    return await connector.poll_orders(CONNECTION, None, http, until="2025-03-14T10:00:00Z")


class TestEbayContract(ConnectorContract):
    subject = ContractSubject(
        connector=connector,
        connection=CONNECTION,
        documents=[(FIXTURES / name).read_bytes() for name in DOCUMENTS],
        return_reports=[(RETURN, "ebay:return")],
        partner_call=PartnerCall(
            call=first_page,
            url="https://api.ebay.com/sell/fulfillment/v1/order",
            respond=lambda request: httpx.Response(
                200, content=(FIXTURES / "getorders_page1.json").read_bytes()
            ),
        ),
    )
