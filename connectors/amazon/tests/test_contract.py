"""The connector contract (hub.sdk.testing) on the Amazon fixtures."""

from __future__ import annotations

import httpx
import msgspec
import respx

from connectors.amazon import AmazonConnector, connector
from connectors.amazon.tests.conftest import make_connection
from connectors.amazon.tests.fake_amazon import BASE, LWA_URL, TOKENS_PATH, fixture
from hub.sdk import PartnerHttp
from hub.sdk.testing import ConnectorContract, ContractSubject, PartnerCall

REFUND = msgspec.json.encode(
    msgspec.json.decode(fixture("list_financial_events.json"))["payload"]["FinancialEvents"][
        "RefundEventList"
    ][0]
)
CONNECTION = make_connection()


def _answer(request: httpx.Request) -> httpx.Response:
    """getOrders or getOrderItems, whichever is asked."""
    name = "getorderitems.json" if request.url.path.endswith("/orderItems") else "getorders.json"
    return httpx.Response(200, content=fixture(name))


def _tokens(router: respx.MockRouter) -> None:
    """LWA, and the Restricted Data Token the poll reads PII with."""
    router.post(LWA_URL).mock(return_value=httpx.Response(200, content=fixture("lwa_token.json")))
    router.post(BASE + TOKENS_PATH).mock(
        return_value=httpx.Response(200, content=fixture("rdt_token.json"))
    )


async def _poll(http: PartnerHttp) -> object:
    # a fresh connector each time, so that no call reuses another's cached token
    return await AmazonConnector().poll_orders(CONNECTION, None, http, until="2025-03-14T17:15Z")


class TestAmazonContract(ConnectorContract):
    subject = ContractSubject(
        connector=connector,
        connection=CONNECTION,
        documents=[fixture("message_unshipped.json"), fixture("message_canceled.json")],
        return_reports=[(REFUND, "amazon:refund")],
        partner_call=PartnerCall(
            call=_poll, url=BASE + "/orders/v0/orders", respond=_answer, other_routes=_tokens
        ),
    )
