"""create_fulfilment and cancel_fulfilment against a fake ShipBob (respx at the HTTP edge)."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import pytest
import respx

from connectors.shipbob import connector
from connectors.shipbob.tests.support import (
    BASE,
    TOKEN,
    FakeShipBob,
    connection,
    fixture,
    fulfilment_request,
)
from hub.sdk import Connection, FatalError, FulfilmentAccepted, FulfilmentLine, PartnerHttp
from hub.sdk.testing import exception_text


def decimal_json(content: bytes) -> Any:
    """A JSON body with its numbers as Decimal, so money is compared exactly."""
    return json.loads(content, parse_float=Decimal)


async def create(fake: FakeShipBob, **settings: Any) -> FulfilmentAccepted:
    async with respx.mock(assert_all_called=False) as router:
        fake.install(router)
        async with httpx.AsyncClient() as client:
            http = PartnerHttp(client, backoff=0.001)
            return await connector.create_fulfilment(
                connection(**settings), fulfilment_request(), http
            )


async def test_create_sends_the_exact_order() -> None:
    fake = FakeShipBob()
    accepted = await create(fake)
    [sent] = fake.requests
    assert (sent.method, str(sent.url)) == ("POST", f"{BASE}/order")
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["shipbob_channel_id"] == "100102"
    assert sent.headers["content-type"] == "application/json"
    expected = json.loads(json.dumps(fixture("create_order_body.json")), parse_float=Decimal)
    assert decimal_json(sent.content) == expected
    # money goes out as the exact decimal of the minor units, e.g. 12.99 not 12.990000001
    assert b'"unit_price":12.99' in sent.content and b'"total_price":63.39' in sent.content
    assert accepted == FulfilmentAccepted(partner_ref=str(fake.orders[sent_ref(sent)]["id"]))


def sent_ref(request: httpx.Request) -> str:
    return json.loads(request.content)["reference_id"]


async def test_the_default_ship_option_and_a_zero_decimal_currency() -> None:
    fake = FakeShipBob()
    request = msgspec.structs.replace(
        fulfilment_request(),
        currency="JPY",
        total=4500,
        service_level=None,
        lines=[FulfilmentLine(sku="CBL-USBC-2M", quantity=3, unit_price=1500, line_id="A-1")],
    )
    async with respx.mock(assert_all_called=False) as router:
        fake.install(router)
        async with httpx.AsyncClient() as client:
            await connector.create_fulfilment(connection(), request, PartnerHttp(client))
    body = decimal_json(fake.requests[0].content)
    assert body["shipping_method"] == "Standard"
    assert body["products"] == [
        {
            "reference_id": "CBL-USBC-2M",
            "name": "CBL-USBC-2M",
            "quantity": 3,
            "unit_price": 1500,
            "external_line_id": 1,  # "A-1" is no int32: positions instead
        }
    ]
    assert body["financials"] == {"total_price": 4500}


async def test_a_lost_answer_then_retry_returns_the_existing_order_and_creates_one() -> None:
    """First POST is stored by ShipBob but the client times out; PartnerHttp retries, ShipBob
    refuses the duplicate reference_id (422), and the connector finds the first order."""
    fake = FakeShipBob()
    lost = []

    def lose_first_answer(request: httpx.Request) -> None:
        if not lost:
            lost.append(request)
            raise httpx.ReadTimeout("answer lost", request=request)

    fake.after_create = lose_first_answer
    accepted = await create(fake)
    assert len(fake.orders) == 1
    [order] = fake.orders.values()
    assert accepted == FulfilmentAccepted(partner_ref=str(order["id"]))
    assert [(r.method, r.url.path, r.url.params.get("ReferenceIds")) for r in fake.requests] == [
        ("POST", "/2025-07/order", None),
        ("POST", "/2025-07/order", None),
        ("GET", "/2025-07/order", "ful_01JQ7X4M2N8P5R6S7T8V9W0XYZ"),
    ]


async def test_creating_twice_gives_the_same_order() -> None:
    fake = FakeShipBob()
    first = await create(fake)
    second = await create(fake)
    assert first == second and len(fake.orders) == 1


async def test_a_422_without_such_an_order_is_fatal() -> None:
    async with respx.mock() as router:
        router.post(f"{BASE}/order").respond(422, json={"products": ["unknown sku secret-x"]})
        lookup = router.get(f"{BASE}/order").respond(200, json=[])
        async with httpx.AsyncClient() as client:
            with pytest.raises(FatalError) as raised:
                await connector.create_fulfilment(
                    connection(), fulfilment_request(), PartnerHttp(client, backoff=0.001)
                )
    assert raised.value.status_code == 422
    assert lookup.call_count == 1
    assert "secret-x" not in exception_text(raised.value)


async def test_429_with_x_retry_after_is_retried() -> None:
    fake = FakeShipBob()
    answers = [httpx.Response(429, headers={"x-retry-after": "0.01", "x-remaining-calls": "0"})]

    def busy_first(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else fake._create(request)

    async with respx.mock(assert_all_called=False) as router:
        fake.install(router)
        route = router.post(f"{BASE}/order").mock(side_effect=busy_first)
        async with httpx.AsyncClient() as client:
            started = time.monotonic()
            accepted = await connector.create_fulfilment(
                connection(), fulfilment_request(), PartnerHttp(client, backoff=0.001)
            )
            waited = time.monotonic() - started
    assert route.call_count == 2
    assert waited >= 0.01  # ShipBob's x-retry-after, not only the tiny backoff
    assert accepted.partner_ref == str(next(iter(fake.orders.values()))["id"])


async def test_401_is_fatal_at_once_and_never_shows_the_token() -> None:
    async with respx.mock() as router:
        route = router.post(f"{BASE}/order").respond(
            401, json={"message": f"bad token {TOKEN}"}, headers={"www-authenticate": TOKEN}
        )
        async with httpx.AsyncClient() as client:
            with pytest.raises(FatalError) as raised:
                await connector.create_fulfilment(
                    connection(), fulfilment_request(), PartnerHttp(client, backoff=0.001)
                )
    assert route.call_count == 1
    assert raised.value.status_code == 401
    assert TOKEN not in exception_text(raised.value)


async def test_a_missing_token_or_bad_setting_is_fatal_naming_it() -> None:
    conn = connection()
    bare = Connection(code=conn.code, connector=conn.connector, settings=conn.settings)
    async with httpx.AsyncClient() as client:
        with pytest.raises(FatalError, match="access_token"):
            await connector.create_fulfilment(bare, fulfilment_request(), PartnerHttp(client))
        with pytest.raises(FatalError, match="api_version"):
            await connector.create_fulfilment(
                connection(api_version="latest"), fulfilment_request(), PartnerHttp(client)
            )
        with pytest.raises(FatalError, match="ship-to"):
            await connector.create_fulfilment(
                conn,
                msgspec.structs.replace(fulfilment_request(), ship_to=None),
                PartnerHttp(client),
            )


async def test_base_url_and_api_version_come_from_the_connection() -> None:
    conn = connection(api_version="2026-01")
    sandbox = Connection(
        code=conn.code,
        connector=conn.connector,
        settings=conn.settings,
        secrets=conn.secrets,
        base_url="https://sandbox-api.shipbob.com/",
    )
    async with respx.mock() as router:
        route = router.post("https://sandbox-api.shipbob.com/2026-01/order").respond(
            201, json={"id": 7, "reference_id": "x"}
        )
        async with httpx.AsyncClient() as client:
            accepted = await connector.create_fulfilment(
                sandbox, fulfilment_request(), PartnerHttp(client)
            )
    assert route.called and accepted.partner_ref == "7"


# ---------------------------------------------------------------------- cancel


async def cancel(fake: FakeShipBob, partner_ref: str | None) -> None:
    async with respx.mock(assert_all_called=False) as router:
        fake.install(router)
        async with httpx.AsyncClient() as client:
            await connector.cancel_fulfilment(
                connection(), fulfilment_request(), partner_ref, PartnerHttp(client, backoff=0.001)
            )


async def test_cancel_posts_the_cancel_action_for_the_order() -> None:
    fake = FakeShipBob()
    accepted = await create(fake)
    fake.requests.clear()
    await cancel(fake, accepted.partner_ref)
    [sent] = fake.requests
    assert (sent.method, str(sent.url)) == ("POST", f"{BASE}/order/{accepted.partner_ref}:cancel")
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert next(iter(fake.orders.values()))["status"] == "Cancelled"


async def test_cancel_without_a_partner_ref_looks_the_order_up() -> None:
    fake = FakeShipBob()
    await create(fake)
    fake.requests.clear()
    await cancel(fake, None)
    assert [(r.method, r.url.path) for r in fake.requests] == [
        ("GET", "/2025-07/order"),
        ("POST", f"/2025-07/order/{next(iter(fake.orders.values()))['id']}:cancel"),
    ]
    assert next(iter(fake.orders.values()))["status"] == "Cancelled"


async def test_cancel_of_an_order_shipbob_never_had_is_done() -> None:
    fake = FakeShipBob()
    await cancel(fake, None)
    assert [r.method for r in fake.requests] == ["GET"]


def refuse_shipped(order: dict[str, Any]) -> httpx.Response:
    order["status"] = "Fulfilled"
    shipment = fixture("shipment_delivered_webhook.json")
    order["shipments"] = [shipment]
    return httpx.Response(
        200,
        json={
            "order_id": order["id"],
            "status": "Failure",
            "canceled_shipment_results": [
                {"shipment_id": shipment["id"], "is_success": False, "reason": "Shipped"}
            ],
        },
    )


async def test_cancel_of_a_shipped_order_is_fatal_and_says_so() -> None:
    fake = FakeShipBob()
    accepted = await create(fake)
    fake.cancel_answer = refuse_shipped
    with pytest.raises(FatalError, match="already shipped"):
        await cancel(fake, accepted.partner_ref)


async def test_cancel_refused_with_422_for_a_shipped_order_says_so_too() -> None:
    fake = FakeShipBob()
    accepted = await create(fake)

    def refuse(order: dict[str, Any]) -> httpx.Response:
        refuse_shipped(order)
        return httpx.Response(422, json={"error": "Order cannot be cancelled"})

    fake.cancel_answer = refuse
    with pytest.raises(FatalError, match="already shipped"):
        await cancel(fake, accepted.partner_ref)


async def test_cancel_refused_for_an_order_already_cancelled_is_done() -> None:
    fake = FakeShipBob()
    accepted = await create(fake)

    def already(order: dict[str, Any]) -> httpx.Response:
        order["status"] = "Cancelled"
        return httpx.Response(422, json={"error": "Order already cancelled"})

    fake.cancel_answer = already
    await cancel(fake, accepted.partner_ref)


async def test_create_without_a_channel_id_is_fatal_naming_it() -> None:
    conn = connection()
    settings = {k: v for k, v in conn.settings.items() if k != "channel_id"}
    bare = Connection(
        code=conn.code, connector=conn.connector, settings=settings, secrets=conn.secrets
    )
    async with respx.mock() as router, httpx.AsyncClient() as client:
        with pytest.raises(FatalError, match="channel_id"):
            await connector.create_fulfilment(bare, fulfilment_request(), PartnerHttp(client))
        assert not router.calls
