"""``GET /track/{public_ref}``: a page for a browser (the link in every buyer mail), the same
JSON as before for everyone else; the page holds no name, address or price and loads no
script from anywhere."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from hub.config import Settings
from hub.store.database import Database
from tests.e2e.test_fulfilment_api import drain, location, order, receive

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_a_browser_gets_the_page_and_a_client_the_json(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await location(client, auth, "main")
    await receive(client, auth, ("TEE", "main", 5))
    body = order("T-1", ("TEE", 2), country="FR") | {"external_number": "#2001"}
    r = await client.post("/orders", json=body, headers=auth)
    placed = r.json()
    await drain(db, settings)
    (f,) = (await client.get("/fulfilments", headers=auth)).json()["items"]
    ship = {"carrier": "DHL", "tracking_number": "TRK-77", "tracking_url": "https://dhl.example/77",
            "lines": [{"sku": "TEE", "quantity": 2}]}  # fmt: skip
    path = f"/track/{placed['public_ref']}"
    before = await client.get(path, headers={"Accept": BROWSER})
    assert f'href="{path}/return"' not in before.text  # nothing shipped: nothing to return
    r = await client.post(f"/fulfilments/{f['id']}/shipments", json=ship, headers=auth)
    assert r.status_code in (200, 201), r.text

    page = await client.get(path, headers={"Accept": BROWSER})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]
    html = page.text
    assert "#2001" in html and "TRK-77" in html and "https://dhl.example/77" in html
    assert 'lang="fr' in html and 'name="viewport"' in html  # the buyer's language, a phone
    assert "<script" not in html.lower() and "http://" not in html
    assert f'href="{path}/return"' in html  # shipped: the buyer may open a return
    for secret in ("Ada Lovelace", "ada@example.com", "1 Way", "London", "20,00", "20.00"):
        assert secret not in html
    plain = await client.get(path)
    assert plain.headers["content-type"].startswith("application/json")
    assert plain.json()["parcels"][0]["tracking_number"] == "TRK-77"
    same = await client.get(path, headers={"Accept": "application/json"})
    assert same.json() == plain.json()
    missing = await client.get("/track/nope", headers={"Accept": BROWSER})
    assert missing.status_code == 404


async def test_the_document_names_both_answers(client: AsyncTestClient) -> None:
    doc = (await client.get("/schema/openapi.json")).json()
    ok = doc["paths"]["/track/{public_ref}"]["get"]["responses"]["200"]["content"]
    assert set(ok) == {"application/json", "text/html"}


async def test_the_page_speaks_the_orders_locale(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    """Shipped to France, bought in German (the channel's ``locale``): the page is German."""
    await location(client, auth, "main")
    await receive(client, auth, ("TEE", "main", 5))
    body = order("T-2", ("TEE", 1), country="FR") | {"locale": "de-AT"}
    r = await client.post("/orders", json=body, headers=auth)
    assert r.status_code == 201, r.text
    page = await client.get(f"/track/{r.json()['public_ref']}", headers={"Accept": BROWSER})
    assert page.status_code == 200 and 'lang="de-AT"' in page.text
