"""Partner calls: the LWA token (form, cache, one refresh), retries on 429/5xx, fatal 4xx,
and no token or secret in any error text.

These polls ask for no Restricted Data Token (``pii_data_elements: []``), so that getOrders
and getOrderItems carry the LWA token; test_rdt.py has the RDT's own tests.
"""

from __future__ import annotations

import traceback

import httpx
import pytest

from connectors.amazon import AmazonConnector
from connectors.amazon.tests.conftest import FakeTime, make_connection
from connectors.amazon.tests.fake_amazon import SECRETS, FakeAmazon
from hub.sdk import Connection, FatalError, PartnerHttp, RetriableError

UNTIL = "2025-03-14T17:15:00Z"


@pytest.fixture
def connection() -> Connection:
    return make_connection(pii_data_elements=[])


def assert_clean(exc: BaseException, amazon: FakeAmazon) -> None:
    """Neither a secret nor an access token anywhere a log line could show of ``exc``."""
    text = "".join(traceback.format_exception(exc)) + repr(exc)
    for value in [*SECRETS.values(), *amazon.issued]:
        assert value not in text, text


async def poll(connector: AmazonConnector, connection: Connection, http: PartnerHttp) -> object:
    return await connector.poll_orders(connection, None, http, until=UNTIL)


async def test_lwa_refresh_token_grant_and_the_access_token_header(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    await poll(connector, connection, http)
    assert amazon.token_forms == [{"grant_type": "refresh_token", **SECRETS}]
    sent = {call.request.headers["x-amz-access-token"] for call in amazon.api.calls}
    assert sent == {"Atza|TEST-ACCESS-TOKEN-1"}


async def test_the_token_is_cached_until_shortly_before_it_expires(
    fake_time: FakeTime,
    connector: AmazonConnector,
    connection: Connection,
    http: PartnerHttp,
    amazon: FakeAmazon,
) -> None:
    await poll(connector, connection, http)
    fake_time.now += 3600 - 120
    await poll(connector, connection, http)
    assert len(amazon.issued) == 1
    fake_time.now += 61  # within a minute of expiry: refreshed first
    await poll(connector, connection, http)
    assert len(amazon.issued) == 2


@pytest.mark.parametrize("status", [401, 403])
async def test_a_refused_cached_token_is_refreshed_once_and_the_call_retried(
    status: int,
    connector: AmazonConnector,
    connection: Connection,
    http: PartnerHttp,
    amazon: FakeAmazon,
) -> None:
    await poll(connector, connection, http)
    amazon.failures = [httpx.Response(status, json={"errors": [{"code": "Unauthorized"}]})]
    result = await poll(connector, connection, http)
    assert result.messages  # type: ignore[attr-defined]
    assert len(amazon.issued) == 2, "exactly one refresh"
    last = amazon.api.calls[-3].request.headers["x-amz-access-token"]
    assert last == "Atza|TEST-ACCESS-TOKEN-2"


async def test_a_token_refused_again_after_the_refresh_is_fatal(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    await poll(connector, connection, http)
    amazon.failures = [httpx.Response(401), httpx.Response(401)]
    with pytest.raises(FatalError) as raised:
        await poll(connector, connection, http)
    assert len(amazon.issued) == 2, "one refresh, not a loop"
    assert_clean(raised.value, amazon)


async def test_a_fresh_token_refused_is_fatal_at_once(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    amazon.failures = [httpx.Response(403, json={"errors": [{"code": "Unauthorized"}]})]
    with pytest.raises(FatalError, match="403"):
        await poll(connector, connection, http)
    assert len(amazon.issued) == 1 and len(amazon.requests) == 1


async def test_429_with_retry_after_then_success(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    amazon.failures = [httpx.Response(429, headers={"Retry-After": "0.01"})]
    result = await poll(connector, connection, http)
    assert result.messages  # type: ignore[attr-defined]
    assert [q for _, q in amazon.requests][:2] == [amazon.requests[0][1]] * 2  # same call again


@pytest.mark.parametrize("status", [500, 503])
async def test_5xx_is_retried_then_succeeds(
    status: int,
    connector: AmazonConnector,
    connection: Connection,
    http: PartnerHttp,
    amazon: FakeAmazon,
) -> None:
    amazon.failures = [httpx.Response(status), httpx.Response(status)]
    result = await poll(connector, connection, http)
    assert result.messages  # type: ignore[attr-defined]
    assert len(amazon.requests) == 2 + 3  # two failures, getOrders, two items pages


@pytest.mark.parametrize("status", [400, 404, 422])
async def test_other_4xx_is_fatal_at_once(
    status: int,
    connector: AmazonConnector,
    connection: Connection,
    http: PartnerHttp,
    amazon: FakeAmazon,
) -> None:
    amazon.failures = [httpx.Response(status, json={"errors": [{"message": SECRETS["client_id"]}]})]
    with pytest.raises(FatalError) as raised:
        await poll(connector, connection, http)
    assert len(amazon.requests) == 1
    assert_clean(raised.value, amazon)


async def test_lwa_refusing_the_refresh_token_is_fatal_and_clean(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    amazon.lwa.mock(
        side_effect=None,
        return_value=httpx.Response(400, json={"error": "invalid_grant", **SECRETS}),
    )
    with pytest.raises(FatalError) as raised:
        await poll(connector, connection, http)
    assert "400" in str(raised.value)
    assert_clean(raised.value, amazon)


async def test_an_lwa_answer_that_is_not_a_token_is_fatal_and_clean(
    connector: AmazonConnector, connection: Connection, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    amazon.lwa.mock(side_effect=None, return_value=httpx.Response(200, text=SECRETS["client_id"]))
    with pytest.raises(FatalError) as raised:
        await poll(connector, connection, http)
    assert_clean(raised.value, amazon)


async def test_missing_secrets_are_named_never_shown(
    connector: AmazonConnector, http: PartnerHttp, amazon: FakeAmazon
) -> None:
    base = make_connection()
    connection = Connection(
        code=base.code,
        connector="amazon",
        settings=base.settings,
        secrets={"refresh_token": SECRETS["refresh_token"]},
    )
    with pytest.raises(FatalError) as raised:
        await poll(connector, connection, http)
    assert "client_id" in str(raised.value) and "client_secret" in str(raised.value)
    assert_clean(raised.value, amazon)
    assert amazon.issued == []


@pytest.mark.parametrize("body", [b"<html>maintenance</html>", b"", b"{}"])
async def test_an_answer_that_is_not_sp_apis_is_retried_later_never_read_as_no_orders(
    connector: AmazonConnector,
    connection: Connection,
    http: PartnerHttp,
    amazon: FakeAmazon,
    body: bytes,
) -> None:
    amazon.failures = [httpx.Response(200, content=body)]
    with pytest.raises(RetriableError, match="getOrders"):
        await poll(connector, connection, http)
