"""buy_label(): the buy request, the Label, the label download, and an idempotent rebuy."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from connectors.easypost import connector
from connectors.easypost.tests.conftest import API_KEY, BASE, basic_auth, fixture, make_connection
from hub.sdk import FatalError, Label, PartnerHttp, Rate

SHIPMENT_ID = "shp_0d6b3e1c9a7f4e2b8c5d1a3f6e9b2c47"
RATE = Rate(
    id="rate_b936eae682e543b1a6550ea120e81a3e",
    shipment_id=SHIPMENT_ID,
    carrier="USPS",
    service="GroundAdvantage",
    amount=593,
    currency="USD",
    est_delivery_days=3,
)
BUY_URL = f"{BASE}/v2/shipments/{SHIPMENT_ID}/buy"
SHIPMENT_URL = f"{BASE}/v2/shipments/{SHIPMENT_ID}"
LABEL_URL = (
    "https://easypost-files.s3.us-west-2.amazonaws.com/files/postage_label/20250315/"
    "e8befd4ff12e134ac6a31282975b6e7251.png"
)
PNG = b"\x89PNG\r\n\x1a\n label bytes"
BOUGHT = fixture("shipment_bought.json")
POSTAGE_EXISTS = httpx.Response(422, content=fixture("error_postage_exists.json"))
EXPECTED = Label(
    carrier="USPS",
    service="GroundAdvantage",
    tracking_number="9400111206213859143427",
    label_url=LABEL_URL,
    label=PNG,
    label_format="png",
    tracking_url="https://track.easypost.com/djE6dHJrXzViOWUyYzdhNDFmMzRkOGM5ZTBhNmYxZDJiM2M0ZTVm",
    tracker_id="trk_5b9e2c7a41f34d8c9e0a6f1d2b3c4e5f",
    amount=593,
    currency="USD",
)


@respx.mock
async def test_buy_sends_the_rate_and_returns_the_label_with_its_document(
    http: PartnerHttp,
) -> None:
    buy = respx.post(BUY_URL).mock(return_value=httpx.Response(200, content=BOUGHT))
    document = respx.get(LABEL_URL).mock(return_value=httpx.Response(200, content=PNG))
    assert await connector.buy_label(make_connection(), RATE, http) == EXPECTED
    (call,) = buy.calls
    assert call.request.method == "POST"
    assert call.request.headers["authorization"] == basic_auth(API_KEY)
    assert json.loads(call.request.content) == {"rate": {"id": RATE.id}}
    # the label comes from the file store, which never sees the API key
    (download,) = document.calls
    assert "authorization" not in download.request.headers


@respx.mock
async def test_without_fetch_label_the_document_is_not_downloaded(http: PartnerHttp) -> None:
    respx.post(BUY_URL).mock(return_value=httpx.Response(200, content=BOUGHT))
    document = respx.get(LABEL_URL).mock(return_value=httpx.Response(200, content=PNG))
    label = await connector.buy_label(make_connection(fetch_label=False), RATE, http)
    assert label == Label(**{**_fields(EXPECTED), "label": None})
    assert not document.called


@respx.mock
async def test_a_pdf_connection_takes_the_pdf_url(http: PartnerHttp) -> None:
    shipment = json.loads(BOUGHT)
    shipment["postage_label"]["label_pdf_url"] = "https://easypost-files.example/label.pdf"
    respx.post(BUY_URL).mock(return_value=httpx.Response(200, json=shipment))
    respx.get("https://easypost-files.example/label.pdf").mock(
        return_value=httpx.Response(200, content=b"%PDF-1.7")
    )
    label = await connector.buy_label(make_connection(label_format="PDF"), RATE, http)
    assert (label.label_url, label.label, label.label_format) == (
        "https://easypost-files.example/label.pdf",
        b"%PDF-1.7",
        "pdf",
    )


async def test_a_lost_answer_then_postage_exists_reads_the_label_back(http: PartnerHttp) -> None:
    """The first buy reaches EasyPost, which buys, but its answer is lost (timeout); the
    retry is refused as already bought; the label is read back. One purchase in all."""
    purchases: list[str] = []

    def partner_buy(request: httpx.Request) -> httpx.Response:
        if purchases:
            return POSTAGE_EXISTS
        purchases.append(json.loads(request.content)["rate"]["id"])
        raise httpx.ReadTimeout("answer lost", request=request)

    async with respx.mock(assert_all_mocked=True) as router:
        buy = router.post(BUY_URL).mock(side_effect=partner_buy)
        read = router.get(SHIPMENT_URL).mock(return_value=httpx.Response(200, content=BOUGHT))
        router.get(LABEL_URL).mock(return_value=httpx.Response(200, content=PNG))
        label = await connector.buy_label(make_connection(), RATE, http)
    assert label == EXPECTED
    assert purchases == [RATE.id]
    assert buy.call_count == 2
    (get,) = read.calls
    assert get.request.headers["authorization"] == basic_auth(API_KEY)


async def test_buying_twice_buys_once(http: PartnerHttp) -> None:
    """A second buy_label for the same rate (a re-run job) gives the same label."""
    purchases: list[str] = []

    def partner_buy(request: httpx.Request) -> httpx.Response:
        if purchases:
            return POSTAGE_EXISTS
        purchases.append(json.loads(request.content)["rate"]["id"])
        return httpx.Response(200, content=BOUGHT)

    async with respx.mock(assert_all_mocked=True) as router:
        router.post(BUY_URL).mock(side_effect=partner_buy)
        router.get(SHIPMENT_URL).mock(return_value=httpx.Response(200, content=BOUGHT))
        router.get(LABEL_URL).mock(return_value=httpx.Response(200, content=PNG))
        first = await connector.buy_label(make_connection(), RATE, http)
        second = await connector.buy_label(make_connection(), RATE, http)
    assert first == second == EXPECTED
    assert len(purchases) == 1


async def test_a_refusal_of_an_unbought_shipment_stands(http: PartnerHttp) -> None:
    """Refused for another reason (e.g. an expired rate): read back, not bought, refused."""
    async with respx.mock(assert_all_mocked=True) as router:
        router.post(BUY_URL).mock(
            return_value=httpx.Response(
                422, json={"error": {"code": "SHIPMENT.RATE.EXPIRED", "message": "expired"}}
            )
        )
        read = router.get(SHIPMENT_URL).mock(
            return_value=httpx.Response(200, content=fixture("shipment_created.json"))
        )
        with pytest.raises(FatalError) as raised:
            await connector.buy_label(make_connection(), RATE, http)
    assert raised.value.status_code == 422
    assert "expired" not in str(raised.value).lower()
    assert read.call_count == 1


@pytest.mark.parametrize("status", [401, 402, 403, 404])
async def test_other_refusals_are_fatal_without_reading_back(
    status: int, http: PartnerHttp
) -> None:
    async with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        buy = router.post(BUY_URL).mock(
            return_value=httpx.Response(status, json={"error": {"message": API_KEY}})
        )
        read = router.get(SHIPMENT_URL).mock(return_value=httpx.Response(200, content=BOUGHT))
        with pytest.raises(FatalError) as raised:
            await connector.buy_label(make_connection(), RATE, http)
    assert buy.call_count == 1 and not read.called
    assert raised.value.status_code == status
    assert API_KEY not in f"{raised.value!s} {raised.value!r}"


@respx.mock
async def test_a_failing_label_download_is_retried(http: PartnerHttp) -> None:
    respx.post(BUY_URL).mock(return_value=httpx.Response(200, content=BOUGHT))
    document = respx.get(LABEL_URL).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, content=PNG)]
    )
    assert (await connector.buy_label(make_connection(), RATE, http)).label == PNG
    assert document.call_count == 2


def _fields(label: Label) -> dict[str, object]:
    return {f: getattr(label, f) for f in label.__struct_fields__}
